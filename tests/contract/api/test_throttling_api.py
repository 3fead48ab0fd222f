"""Login throttling, reset-request throttling and the audit trail, through real servers."""

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.contract.api.conftest import PASSWORD, Account
from tests.contract.api.server import ChatcoreServer
from tests.contract.api.test_limits_api import LIMITED, _addresses, from_address
from tests.contract.api.test_rooms_api import sibling


@pytest.fixture(scope="module")
def throttling(server: ChatcoreServer) -> Iterator[ChatcoreServer]:
    with sibling(server, **LIMITED, CHATCORE_LOGIN_FREE_FAILURES="2") as own:
        yield own


def login(server: ChatcoreServer, email: str, password: str, address: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/auths/login",
        data={"username": email, "password": password},
        headers=from_address(address),
        timeout=30,
    )


def test_an_attacker_cannot_lock_the_owner_out(
    throttling: ChatcoreServer, account: Account
) -> None:
    attacker, owner = next(_addresses), next(_addresses)
    assert [login(throttling, account.email, "guess-guess", attacker).status_code
            for _ in range(2)] == [401, 401]  # fmt: skip
    slowed = login(throttling, account.email, "guess-guess", attacker)
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) >= 1
    # Even the right password waits, from the attacker's address...
    assert login(throttling, account.email, PASSWORD, attacker).status_code == 429
    # ...but the owner, from their own address, signs in.
    assert login(throttling, account.email, PASSWORD, owner).status_code == 200


def test_reset_requests_keep_their_404_and_cannot_enumerate_quickly(
    server: ChatcoreServer, account: Account
) -> None:
    address = next(_addresses)
    with sibling(server, **LIMITED, CHATCORE_RATE_LIMIT_PASSWORD_RESET="3/900") as own:
        statuses = [
            httpx.post(
                f"{own.url}/auths/reset-password-request",
                params={"email": email},
                headers=from_address(address),
                timeout=10,
            ).status_code
            for email in ["nobody1@example.com", account.email, "nobody2@example.com",
                          "nobody3@example.com"]
        ]  # fmt: skip
    assert statuses == [404, 200, 404, 429]


def test_security_events_are_kept_and_read_with_the_cli(
    server: ChatcoreServer,
    client: httpx.Client,
    account: Account,
    admin: dict[str, str],
) -> None:
    assert (
        client.post(
            "/auths/login", data={"username": account.email, "password": "not-my-password"}
        ).status_code
        == 401
    )
    assert client.put(f"/users/{account.id}", json={"tier": "premium"},
                      headers=admin).status_code == 200  # fmt: skip
    assert client.delete(f"/users/{account.id}", headers=account.headers).status_code == 200

    shown = server.cli("audit", "--user", account.id)
    assert shown.returncode == 0, shown.stderr
    events = [json.loads(line) for line in shown.stdout.splitlines()]
    kinds = [event["event"] for event in events]
    assert kinds[:2] == ["user_deleted", "tier_changed"]
    assert {"login_failed", "login_succeeded"} <= set(kinds)
    tier = events[1]
    assert tier["details"] == {"before": "free", "after": "premium"} and tier["actor_id"]
    failed = next(event for event in events if event["event"] == "login_failed")
    assert failed["address"] == "127.0.0.1" and failed["details"]["reason"] == "wrong password"
    assert set(events[0]) == {"id", "at", "event", "user_id", "actor_id", "address", "details"}

    one = server.cli("audit", "--event", "login_failed", "--limit", "1")
    assert len(one.stdout.splitlines()) == 1
    assert json.loads(one.stdout)["event"] == "login_failed"
    future = server.cli("audit", "--since", "2999-01-01T00:00Z")
    assert future.returncode == 0 and future.stdout == ""
    bad = server.cli("audit", "--user", "nope")
    assert bad.returncode == 2 and "not a user id" in bad.stderr
    # The same events were logged as JSON lines on "chatcore.audit".
    assert '"event": "tier_changed"' in server.log()
