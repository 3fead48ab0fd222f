"""Email changes, signing out everywhere, and verification links, through a real server."""

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.contract.api.conftest import (
    PASSWORD,
    Account,
    login,
    signed_in_account,
    unique_name,
)
from tests.contract.api.server import ChatcoreServer, Mailbox
from tests.contract.api.test_limits_api import LIMITED, _addresses, from_address
from tests.contract.api.test_rooms_api import sibling

NEW_PASSWORD = "Brand-New-Pass1"
CHANGED = "Your email address was changed"


def new_address(prefix: str = "moved") -> str:
    return f"{unique_name(prefix)}@example.com"


def me(client: httpx.Client, headers: dict[str, str]) -> httpx.Response:
    return client.get("/users/me", headers=headers)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def refresh(client: httpx.Client, token: str) -> httpx.Response:
    return client.post("/auths/refresh", json={"refresh_token": token})


def audit_kinds(server: ChatcoreServer, user_id: str) -> list[str]:
    shown = server.cli("audit", "--user", user_id)
    assert shown.returncode == 0, shown.stderr
    return [json.loads(line)["event"] for line in shown.stdout.splitlines()]


def test_a_stolen_access_token_cannot_move_the_account(
    client: httpx.Client, account: Account
) -> None:
    attacker = new_address("attacker")
    path = f"/users/{account.id}"
    # The takeover of issue 14.1 began with this 200.
    without = client.put(path, json={"email": attacker}, headers=account.headers)
    assert without.status_code == 403
    guessed = client.put(
        path, json={"email": attacker, "current_password": "a-guess-1"}, headers=account.headers
    )
    assert guessed.status_code == 403
    by_email = client.put(
        f"/users/email/{account.email}", json={"email": attacker}, headers=account.headers
    )
    assert by_email.status_code == 403
    # Nothing moved: the attacker's address leads nowhere, the owner still signs in.
    reset = client.post("/auths/reset-password-request", params={"email": attacker})
    assert reset.status_code == 404
    assert login(client, attacker).status_code == 401
    assert login(client, account.email).status_code == 200
    shown = me(client, account.headers).json()
    assert shown["email"] == account.email and "pending_email" not in shown


def test_an_admins_own_email_needs_their_password_too(
    server: ChatcoreServer, client: httpx.Client
) -> None:
    name = unique_name("admin")
    created = server.cli(
        "create-user", "--email", f"{name}@example.com", "--username", name,
        "--password", PASSWORD, "--role", "admin", "--verified",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    signed_in = login(client, f"{name}@example.com").json()
    answer = client.put(
        f"/users/{signed_in['id']}",
        json={"email": new_address("attacker")},
        headers=bearer(signed_in["access_token"]),
    )
    assert answer.status_code == 403


def test_the_new_email_is_pending_until_its_link_is_used(
    client: httpx.Client, account: Account, mailbox: Mailbox
) -> None:
    new_email = new_address()
    changed = client.put(
        f"/users/{account.id}",
        json={"email": new_email, "current_password": PASSWORD},
        headers=account.headers,
    )
    assert changed.status_code == 200
    body = changed.json()
    assert (body["email"], body["pending_email"], body["verified"]) == (
        account.email, new_email, True,
    )  # fmt: skip
    assert me(client, account.headers).json()["pending_email"] == new_email
    # Until then the account keeps its login.
    assert login(client, new_email).status_code == 401
    assert login(client, account.email).status_code == 200

    token = mailbox.token(new_email, "Verify")
    assert client.post("/auths/verify-email", params={"token": token}).status_code == 200
    assert login(client, account.email).status_code == 401
    moved = login(client, new_email)
    assert moved.status_code == 200
    assert moved.json()["email"] == new_email and "pending_email" not in moved.json()
    # The change took effect: every earlier token is dead, and the old address was told.
    assert me(client, account.headers).status_code == 401
    assert refresh(client, account.refresh_token).status_code == 401
    notice = mailbox.wait_for(account.email, CHANGED)
    assert new_email in notice.get_payload(decode=True).decode()


def test_a_second_change_replaces_the_pending_address(
    client: httpx.Client, account: Account, mailbox: Mailbox
) -> None:
    first, second = new_address(), new_address()
    for email in (first, second):
        answer = client.put(
            f"/users/email/{account.email}",
            json={"email": email, "current_password": PASSWORD},
            headers=account.headers,
        )
        assert answer.status_code == 200 and answer.json()["pending_email"] == email
    stale = client.post("/auths/verify-email", json={"token": mailbox.token(first, "Verify")})
    assert stale.status_code == 400
    assert stale.json() == {"detail": "Invalid or expired token"}
    fresh = client.post("/auths/verify-email", json={"token": mailbox.token(second, "Verify")})
    assert fresh.status_code == 200
    assert login(client, second).status_code == 200


def test_asking_again_sends_another_link_and_the_first_still_works(
    client: httpx.Client, account: Account, mailbox: Mailbox
) -> None:
    new_email = new_address()
    for _ in range(2):
        answer = client.put(
            f"/users/{account.id}",
            json={"email": new_email, "current_password": PASSWORD},
            headers=account.headers,
        )
        assert answer.status_code == 200
    first = mailbox.token(new_email, "Verify", count=1)
    assert mailbox.token(new_email, "Verify", count=2) != first
    assert client.post("/auths/verify-email", params={"token": first}).status_code == 200
    assert login(client, new_email).status_code == 200


def test_the_old_address_can_undo_the_change_even_after_a_reset(
    client: httpx.Client, account: Account, mailbox: Mailbox
) -> None:
    # The thief has the password once; they move the account to their address...
    thief_email = new_address("thief")
    client.put(
        f"/users/{account.id}",
        json={"email": thief_email, "current_password": PASSWORD},
        headers=account.headers,
    )
    verify = mailbox.token(thief_email, "Verify")
    assert client.post("/auths/verify-email", params={"token": verify}).status_code == 200
    # ...and lock the owner out with a reset through it.
    assert client.post(
        "/auths/reset-password-request", params={"email": thief_email}
    ).status_code == 200  # fmt: skip
    reset = client.post(
        "/auths/reset-password",
        json={"token": mailbox.token(thief_email, "Reset"), "new_password": NEW_PASSWORD},
    )
    assert reset.status_code == 200
    thief = login(client, thief_email, NEW_PASSWORD).json()

    undo = mailbox.token(account.email, CHANGED)
    undone = client.post("/auths/undo-email-change", params={"token": undo})
    assert undone.status_code == 200
    assert undone.json() == {"message": "Email change undone"}
    # The thief's session died with it, and their address no longer signs in.
    assert me(client, bearer(thief["access_token"])).status_code == 401
    assert refresh(client, thief["refresh_token"]).status_code == 401
    assert login(client, thief_email, NEW_PASSWORD).status_code == 401
    assert client.post("/auths/undo-email-change", json={"token": undo}).status_code == 400
    # The owner takes the password back through their own address.
    assert client.post(
        "/auths/reset-password-request", params={"email": account.email}
    ).status_code == 200  # fmt: skip
    own_reset = mailbox.token(account.email, "Reset")
    assert client.post(
        "/auths/reset-password", params={"token": own_reset, "new_password": "Owner-Again-1"}
    ).status_code == 200  # fmt: skip
    back = login(client, account.email, "Owner-Again-1")
    assert back.status_code == 200 and back.json()["verified"] is True


def test_a_bad_undo_token_is_400(client: httpx.Client) -> None:
    answer = client.post("/auths/undo-email-change", params={"token": "not-a-token"})
    assert answer.status_code == 400
    assert answer.json() == {"detail": "Invalid or expired token"}
    assert client.post("/auths/undo-email-change", json={}).status_code == 422


def test_a_password_change_ends_every_earlier_token_and_link(
    client: httpx.Client, account: Account, mailbox: Mailbox
) -> None:
    assert client.post(
        "/auths/reset-password-request", params={"email": account.email}
    ).status_code == 200  # fmt: skip
    earlier_reset = mailbox.token(account.email, "Reset")
    changed = client.put(
        f"/users/{account.id}",
        json={"password": NEW_PASSWORD, "current_password": PASSWORD},
        headers=account.headers,
    )
    assert changed.status_code == 200
    body = changed.json()
    assert body["id"] == account.id and body["token_type"] == "bearer"
    assert me(client, account.headers).status_code == 401
    assert refresh(client, account.refresh_token).status_code == 401
    stale = client.post(
        "/auths/reset-password", params={"token": earlier_reset, "new_password": "Third-Pass-1"}
    )
    assert stale.status_code == 400
    # The caller carries on with the pair the answer handed back.
    assert me(client, bearer(body["access_token"])).status_code == 200
    assert refresh(client, body["refresh_token"]).status_code == 200
    assert login(client, account.email, NEW_PASSWORD).status_code == 200


def test_changing_ones_password_without_the_current_one_is_403(
    client: httpx.Client, account: Account
) -> None:
    path = f"/users/{account.id}"
    missing = client.put(path, json={"password": NEW_PASSWORD}, headers=account.headers)
    assert missing.status_code == 403
    assert me(client, account.headers).status_code == 200


def test_an_admins_password_change_signs_the_user_out(
    client: httpx.Client, account: Account, admin: dict[str, str]
) -> None:
    changed = client.put(f"/users/{account.id}", json={"password": NEW_PASSWORD}, headers=admin)
    assert changed.status_code == 200
    assert "access_token" not in changed.json()
    assert me(client, account.headers).status_code == 401
    assert refresh(client, account.refresh_token).status_code == 401
    assert login(client, account.email, NEW_PASSWORD).status_code == 200


def test_deactivation_ends_outstanding_links(
    client: httpx.Client, account: Account, admin: dict[str, str], mailbox: Mailbox
) -> None:
    client.post("/auths/reset-password-request", params={"email": account.email})
    link = mailbox.token(account.email, "Reset")
    path = f"/users/{account.id}"
    assert client.put(path, json={"active": False}, headers=admin).status_code == 200
    assert client.put(path, json={"active": True}, headers=admin).status_code == 200
    answer = client.post(
        "/auths/reset-password", params={"token": link, "new_password": NEW_PASSWORD}
    )
    assert answer.status_code == 400


def test_an_admins_email_change_applies_at_once_and_is_told_and_audited(
    server: ChatcoreServer,
    client: httpx.Client,
    account: Account,
    admin: dict[str, str],
    mailbox: Mailbox,
) -> None:
    new_email = new_address()
    changed = client.put(f"/users/{account.id}", json={"email": new_email}, headers=admin)
    assert changed.status_code == 200
    body = changed.json()
    assert (body["email"], body["verified"]) == (new_email, False)
    assert "pending_email" not in body
    assert me(client, account.headers).status_code == 401
    notice = mailbox.wait_for(account.email, CHANGED).get_payload(decode=True).decode()
    assert new_email in notice and "token=" not in notice
    assert login(client, new_email).status_code == 403
    token = mailbox.token(new_email, "Verify")
    assert client.post("/auths/verify-email", params={"token": token}).status_code == 200
    assert login(client, new_email).status_code == 200
    assert "email_changed" in audit_kinds(server, account.id)


def test_refresh_reuse_also_ends_the_access_tokens(client: httpx.Client, account: Account) -> None:
    assert refresh(client, account.refresh_token).status_code == 200
    assert refresh(client, account.refresh_token).status_code == 401
    assert me(client, account.headers).status_code == 401


def test_logins_resend_the_verification_at_most_once_per_ten_minutes(
    server: ChatcoreServer, client: httpx.Client, admin: dict[str, str], mailbox: Mailbox
) -> None:
    name = unique_name()
    email = f"{name}@example.com"
    created = server.cli(
        "create-user", "--email", email, "--username", name, "--password", PASSWORD, "--verified"
    )
    user_id = json.loads(created.stdout)["id"]
    # Unverified by an admin: no email has gone out yet, so the first login sends one.
    assert (
        client.put(f"/users/{user_id}", json={"verified": False}, headers=admin).status_code == 200
    )
    sent = login(client, email)
    assert sent.status_code == 403 and "has been sent" in sent.json()["detail"]
    link = mailbox.token(email, "Verify")
    for _ in range(3):
        again = login(client, email)
        assert again.status_code == 403 and "not been sent again" in again.json()["detail"]
    with pytest.raises(AssertionError):
        mailbox.wait_for(email, "Verify", count=2, timeout=1)
    assert client.post("/auths/verify-email", params={"token": link}).status_code == 200


@pytest.fixture(scope="module")
def throttling(server: ChatcoreServer) -> Iterator[ChatcoreServer]:
    with sibling(server, **LIMITED, CHATCORE_LOGIN_FREE_FAILURES="2") as own:
        yield own


def test_current_password_guesses_are_throttled_and_audited(
    server: ChatcoreServer, throttling: ChatcoreServer, client: httpx.Client, mailbox: Mailbox
) -> None:
    account = signed_in_account(client, mailbox)
    attacker = next(_addresses)

    def guess(password: str) -> httpx.Response:
        return httpx.put(
            f"{throttling.url}/users/{account.id}",
            json={"password": NEW_PASSWORD, "current_password": password},
            headers=from_address(attacker, account.headers),
            timeout=30,
        )

    statuses = [guess(f"guess-{n}").status_code for n in range(4)]
    assert statuses[:2] == [403, 403] and statuses[2:] == [429, 429]
    # Counted like failed logins: even the right password waits, from that address.
    assert guess(PASSWORD).status_code == 429
    kinds = audit_kinds(server, account.id)
    assert kinds.count("current_password_rejected") == 2
    assert "login_throttled" in kinds
    assert login(client, account.email).status_code == 200
