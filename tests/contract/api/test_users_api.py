"""The User Management section of the API, through a real server."""

import httpx

from tests.contract.api.conftest import PASSWORD, Account, login, register, unique_name
from tests.contract.api.server import Mailbox


def test_duplicate_email_or_username_is_400(client: httpx.Client, account: Account) -> None:
    same_email = register(client, email=account.email.upper())
    assert same_email.status_code == 400
    assert same_email.json() == {"detail": "Email already registered"}
    same_name = register(client, username=account.username.upper())
    assert same_name.status_code == 400


def test_invalid_registration_data_is_400(client: httpx.Client) -> None:
    assert register(client, username="x").status_code == 400
    assert register(client, email="not-an-email").status_code == 400
    assert register(client, password="short").status_code == 400


def test_malformed_registration_is_422(client: httpx.Client) -> None:
    response = client.post("/users/", json={"username": "abc", "password": 12345678})
    assert response.status_code == 422
    body = response.json()
    assert {tuple(e["loc"]) for e in body["errors"]} == {("body", "password"), ("body", "email")}
    assert isinstance(body["detail"], str)
    garbage = client.post(
        "/users/", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert garbage.status_code == 422


def test_anonymous_tier_or_role_escalation_is_403(client: httpx.Client) -> None:
    assert register(client, tier="premium").status_code == 403
    assert register(client, role="admin").status_code == 403


def test_admin_may_register_any_role_and_tier(client: httpx.Client, admin: dict[str, str]) -> None:
    name = unique_name()
    response = client.post(
        "/users/",
        json={
            "username": name,
            "email": f"{name}@example.com",
            "password": PASSWORD,
            "role": "admin",
            "tier": "premium",
        },
        headers=admin,
    )
    assert response.status_code == 200
    assert (response.json()["role"], response.json()["tier"]) == ("admin", "premium")


def test_own_account_can_be_read_and_updated(client: httpx.Client, account: Account) -> None:
    got = client.get(f"/users/{account.id}", headers=account.headers)
    assert got.status_code == 200 and got.json()["email"] == account.email
    new_name = unique_name("renamed")
    updated = client.put(
        f"/users/{account.id}", json={"username": new_name}, headers=account.headers
    )
    assert updated.status_code == 200
    assert updated.json()["username"] == new_name
    assert updated.json()["updated_at"] >= got.json()["updated_at"]


def test_other_users_account_is_403(
    client: httpx.Client, account: Account, other_account: Account
) -> None:
    path = f"/users/{other_account.id}"
    assert client.get(path, headers=account.headers).status_code == 403
    assert client.put(path, json={"username": "hijack"}, headers=account.headers).status_code == 403
    assert client.delete(path, headers=account.headers).status_code == 403
    by_email = client.put(
        f"/users/email/{other_account.email}", json={"username": "hijack"}, headers=account.headers
    )
    assert by_email.status_code == 403


def test_malformed_user_id_is_400_and_unknown_is_404_for_admins(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    malformed = client.get("/users/not-an-id", headers=admin)
    assert malformed.status_code == 400
    assert malformed.json() == {"detail": "Invalid user ID"}
    assert client.get("/users/" + "0" * 24, headers=admin).status_code == 404


def test_non_admin_cannot_change_admin_only_fields(client: httpx.Client, account: Account) -> None:
    for field, value in [
        ("tier", "premium"),
        ("role", "admin"),
        ("active", True),
        ("verified", True),
    ]:
        response = client.put(f"/users/{account.id}", json={field: value}, headers=account.headers)
        assert response.status_code == 403, field


def test_admin_may_change_tier(
    client: httpx.Client, account: Account, admin: dict[str, str]
) -> None:
    response = client.put(f"/users/{account.id}", json={"tier": "premium"}, headers=admin)
    assert response.status_code == 200 and response.json()["tier"] == "premium"


def test_empty_update_is_400_and_unknown_field_422(client: httpx.Client, account: Account) -> None:
    path = f"/users/{account.id}"
    assert client.put(path, json={}, headers=account.headers).status_code == 400
    unknown = client.put(path, json={"nickname": "x"}, headers=account.headers)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["body", "nickname"]


def test_update_by_email(client: httpx.Client, account: Account) -> None:
    new_name = unique_name("byemail")
    response = client.put(
        f"/users/email/{account.email}", json={"username": new_name}, headers=account.headers
    )
    assert response.status_code == 200 and response.json()["username"] == new_name


def test_update_by_unknown_email_is_404_for_admins(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    response = client.put("/users/email/ghost@example.com", json={"username": "x1x"}, headers=admin)
    assert response.status_code == 404


def test_changing_own_password_needs_the_current_one(
    client: httpx.Client, account: Account
) -> None:
    path = f"/users/{account.id}"
    new = "Brand-New-Pass1"
    # Second round: a missing current_password counts like a wrong one (403).
    assert client.put(path, json={"password": new}, headers=account.headers).status_code == 403
    wrong = client.put(
        path, json={"password": new, "current_password": "wrong-one"}, headers=account.headers
    )
    assert wrong.status_code == 403
    right = client.put(
        path, json={"password": new, "current_password": PASSWORD}, headers=account.headers
    )
    assert right.status_code == 200
    assert login(client, account.email, new).status_code == 200


def test_changed_email_must_be_verified_again(
    client: httpx.Client, account: Account, mailbox: Mailbox
) -> None:
    # Second round: one's own new email waits for its link (pending_email); see
    # test_account_security_api.py for the rest of the rule.
    new_email = f"{unique_name('moved')}@example.com"
    response = client.put(
        f"/users/{account.id}",
        json={"email": new_email, "current_password": PASSWORD},
        headers=account.headers,
    )
    assert response.status_code == 200
    assert response.json()["pending_email"] == new_email
    token = mailbox.token(new_email, "Verify")
    assert client.post("/auths/verify-email", params={"token": token}).status_code == 200
    assert login(client, new_email).status_code == 200


def test_deleted_user_is_gone(
    client: httpx.Client, account: Account, admin: dict[str, str]
) -> None:
    session = client.post("/chat/sessions", json={"title": "mine"}, headers=account.headers)
    deleted = client.delete(f"/users/{account.id}", headers=account.headers)
    assert deleted.json() == {"message": "User deleted successfully"}
    assert client.get("/users/me", headers=account.headers).status_code == 401
    assert login(client, account.email).status_code == 401
    assert client.get(f"/users/{account.id}", headers=admin).status_code == 404
    # The email is free again, and the old sessions did not come back with it.
    again = register(client, email=account.email)
    assert again.status_code == 200
    assert session.status_code == 201


def test_unknown_route_and_wrong_method_answer_json(client: httpx.Client) -> None:
    missing = client.get("/no/such/route")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}
    wrong = client.patch("/users/me")
    assert wrong.status_code == 405 and "detail" in wrong.json()


def test_healthz(client: httpx.Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
