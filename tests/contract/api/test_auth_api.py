"""The Authentication section of the API, through a real server and a real SMTP server."""

import json
import re
from datetime import timedelta
from pathlib import Path

import httpx

from tests.contract.api.conftest import PASSWORD, Account, forge_token, login, register
from tests.contract.api.server import ChatcoreServer, Mailbox

ISO_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z")


def test_register_verify_login_me_refresh(client: httpx.Client, mailbox: Mailbox) -> None:
    response = register(client)
    assert response.status_code == 200
    user = response.json()
    assert set(user) == {
        "id", "username", "email", "role", "tier", "verified", "active",
        "created_at", "updated_at",
    }  # fmt: skip
    assert (user["role"], user["tier"], user["verified"], user["active"]) == (
        "user", "free", False, True,
    )  # fmt: skip
    assert re.fullmatch(r"[0-9a-f]{24}", user["id"])
    assert ISO_Z.fullmatch(user["created_at"])

    token = mailbox.token(user["email"], "Verify")
    verified = client.post("/auths/verify-email", params={"token": token})
    assert verified.json() == {"message": "Email verified successfully"}

    signed_in = login(client, user["email"])
    assert signed_in.status_code == 200
    body = signed_in.json()
    assert body["id"] == user["id"] and body["verified"] is True
    assert body["token_type"] == "bearer" and ISO_Z.fullmatch(body["expires_at"])

    me = client.get("/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["email"] == user["email"]

    refreshed = client.post("/auths/refresh", json={"refresh_token": body["refresh_token"]})
    assert refreshed.status_code == 200
    assert set(refreshed.json()) == {
        "id", "access_token", "refresh_token", "token_type", "expires_at",
    }  # fmt: skip
    again = client.get(
        "/users/me", headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    )
    assert again.status_code == 200


def test_wrong_password_and_unknown_email_answer_the_same_401(
    client: httpx.Client, account: Account
) -> None:
    wrong = login(client, account.email, "not-the-password")
    unknown = login(client, "nobody@example.com")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_emails_are_case_insensitive_at_login(client: httpx.Client, account: Account) -> None:
    assert login(client, account.email.upper()).status_code == 200


def test_unverified_account_cannot_log_in_and_keeps_its_link(
    client: httpx.Client, mailbox: Mailbox
) -> None:
    # Second round: the registration email went out less than 10 minutes ago, so the
    # login does not send another, and says so; the link already sent keeps working.
    user = register(client).json()
    refused = login(client, user["email"])
    assert refused.status_code == 403
    assert "not been sent again" in refused.json()["detail"]
    first = mailbox.token(user["email"], "Verify", count=1)
    assert client.post("/auths/verify-email", params={"token": first}).status_code == 200
    assert login(client, user["email"]).status_code == 200


def test_inactive_account_cannot_log_in(
    client: httpx.Client, account: Account, admin: dict[str, str]
) -> None:
    client.put(f"/users/{account.id}", json={"active": False}, headers=admin)
    assert login(client, account.email).status_code == 403
    assert client.get("/users/me", headers=account.headers).status_code == 401


def test_verification_token_works_once(client: httpx.Client, mailbox: Mailbox) -> None:
    user = register(client).json()
    token = mailbox.token(user["email"], "Verify")
    assert client.post("/auths/verify-email", params={"token": token}).status_code == 200
    again = client.post("/auths/verify-email", params={"token": token})
    assert again.status_code == 400
    assert again.json() == {"detail": "Invalid or expired token"}


def test_tampered_tokens_are_refused(client: httpx.Client, account: Account) -> None:
    header, payload, signature = account.access_token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    response = client.get("/users/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert client.post("/auths/verify-email", params={"token": forged}).status_code == 400


def test_expired_access_tokens_are_refused(
    server: ChatcoreServer, client: httpx.Client, account: Account
) -> None:
    expired = forge_token(server, account, timedelta(seconds=-1))
    response = client.get("/users/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_restart_keeps_people_signed_in(tmp_path: Path) -> None:
    first = ChatcoreServer(tmp_path, {"CHATCORE_RATE_LIMITS": "off"}).start()
    try:
        created = first.cli(
            "create-user", "--email", "kept@example.com", "--username", "kept",
            "--password", PASSWORD, "--verified",
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        assert json.loads(created.stdout)["verified"] is True
        with httpx.Client(base_url=first.url, timeout=30) as http:
            tokens = login(http, "kept@example.com").json()
    finally:
        first.stop()

    again = ChatcoreServer(tmp_path, {"CHATCORE_RATE_LIMITS": "off"}).start()
    try:
        with httpx.Client(base_url=again.url, timeout=30) as http:
            bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
            assert http.get("/users/me", headers=bearer).json()["email"] == "kept@example.com"
            refreshed = http.post("/auths/refresh", json={"refresh_token": tokens["refresh_token"]})
            assert refreshed.status_code == 200
            assert login(http, "kept@example.com").status_code == 200
    finally:
        again.stop()


def test_a_token_of_one_kind_is_not_another(client: httpx.Client, account: Account) -> None:
    as_refresh = client.post("/auths/refresh", json={"refresh_token": account.access_token})
    assert as_refresh.status_code == 401
    as_access = client.get(
        "/users/me", headers={"Authorization": f"Bearer {account.refresh_token}"}
    )
    assert as_access.status_code == 401


def test_missing_token_is_401_with_challenge(client: httpx.Client) -> None:
    response = client.get("/users/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"detail": "Not authenticated"}


def test_reusing_a_rotated_refresh_token_revokes_the_family(
    client: httpx.Client, account: Account
) -> None:
    first = client.post("/auths/refresh", json={"refresh_token": account.refresh_token})
    assert first.status_code == 200
    replay = client.post("/auths/refresh", json={"refresh_token": account.refresh_token})
    assert replay.status_code == 401
    # The thief's replay also killed the newest token, which the real user still holds.
    newest = client.post("/auths/refresh", json={"refresh_token": first.json()["refresh_token"]})
    assert newest.status_code == 401


def test_password_reset_flow(client: httpx.Client, account: Account, mailbox: Mailbox) -> None:
    requested = client.post("/auths/reset-password-request", params={"email": account.email})
    assert requested.json() == {"message": "Password reset email sent"}
    token = mailbox.token(account.email, "Reset")
    new_password = "An0ther-Secret!"
    done = client.post(
        "/auths/reset-password", params={"token": token, "new_password": new_password}
    )
    assert done.json() == {"message": "Password reset successfully"}
    assert login(client, account.email, PASSWORD).status_code == 401
    assert login(client, account.email, new_password).status_code == 200
    # Every earlier token of the user died with the old password; the link works once.
    assert client.get("/users/me", headers=account.headers).status_code == 401
    refresh = client.post("/auths/refresh", json={"refresh_token": account.refresh_token})
    assert refresh.status_code == 401
    reused = client.post(
        "/auths/reset-password", json={"token": token, "new_password": "Third-Secret-1"}
    )
    assert reused.status_code == 400


def test_reset_request_for_unknown_email_is_404(client: httpx.Client) -> None:
    response = client.post("/auths/reset-password-request", params={"email": "no@example.com"})
    assert response.status_code == 404


def test_reset_with_a_short_password_is_400_and_keeps_the_token(
    client: httpx.Client, account: Account, mailbox: Mailbox
) -> None:
    client.post("/auths/reset-password-request", params={"email": account.email})
    token = mailbox.token(account.email, "Reset")
    short = client.post("/auths/reset-password", params={"token": token, "new_password": "short"})
    assert short.status_code == 400
    ok = client.post(
        "/auths/reset-password", params={"token": token, "new_password": "LongEnough-1"}
    )
    assert ok.status_code == 200


def test_missing_login_fields_are_422(client: httpx.Client) -> None:
    response = client.post("/auths/login", data={"username": "a@example.com"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["body", "password"], "msg": "Field required", "type": "missing"}
    ]
