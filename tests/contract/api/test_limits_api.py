"""Rate limits, request sizes and security headers, through real servers.

The shared `server` runs with CHATCORE_RATE_LIMITS=off; these tests start siblings with
limits on. Each test speaks from client addresses of its own (X-Forwarded-For from the
loopback proxy, which the siblings trust), so no test spends another's allowance.
"""

import itertools
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from entrypoints.http.app import ROUTES
from tests import files
from tests.contract.api.conftest import Account, unique_name
from tests.contract.api.server import ChatcoreServer
from tests.contract.api.test_rooms_api import sibling
from tests.contract.api.test_sessions_api import new_session

_addresses = (f"198.51.100.{n}" for n in itertools.count(1))
LIMITED = {"CHATCORE_RATE_LIMITS": "on", "CHATCORE_TRUSTED_PROXIES": "127.0.0.1"}


def from_address(address: str, headers: dict[str, str] | None = None) -> dict[str, str]:
    return {"X-Forwarded-For": address, **(headers or {})}


@pytest.fixture(scope="module")
def limited(server: ChatcoreServer) -> Iterator[ChatcoreServer]:
    rates = {
        "CHATCORE_RATE_LIMIT_READ": "3/6",
        "CHATCORE_RATE_LIMIT_LOGIN": "2/60",
        "CHATCORE_RATE_LIMIT_ARTIFACT_CREATE": "2/600",
        "CHATCORE_RATE_LIMIT_PASSWORD_RESET_EMAIL": "2/600",
    }
    with sibling(server, **LIMITED, **rates) as own:
        yield own


def get(server: ChatcoreServer, path: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(f"{server.url}{path}", headers=headers, timeout=10)


def test_over_the_limit_answers_429_with_retry_after_then_recovers(
    limited: ChatcoreServer, account: Account
) -> None:
    headers = from_address(next(_addresses), account.headers)
    assert [get(limited, "/users/me", headers).status_code for _ in range(3)] == [200] * 3
    refused = get(limited, "/users/me", headers)
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("Too many requests")
    assert refused.headers["Retry-After"] in ("1", "2")
    time.sleep(int(refused.headers["Retry-After"]) + 0.1)  # 3 per 6 s: one more every 2 s
    assert get(limited, "/users/me", headers).status_code == 200


def test_an_account_is_limited_across_addresses(limited: ChatcoreServer, account: Account) -> None:
    statuses = [
        get(limited, "/users/me", from_address(next(_addresses), account.headers)).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    # Another address without the account's token is not held back by it.
    assert get(limited, "/chat/messages/general", from_address(next(_addresses))).status_code == 401


def test_a_forged_forwarded_header_from_an_untrusted_peer_changes_nothing(
    server: ChatcoreServer,
) -> None:
    with sibling(server, CHATCORE_RATE_LIMITS="on", CHATCORE_RATE_LIMIT_LOGIN="1/60") as own:
        statuses = [
            httpx.post(
                f"{own.url}/auths/login",
                data={"username": "nobody@example.com", "password": "x" * 8},
                headers=from_address(next(_addresses)),
                timeout=10,
            ).status_code
            for _ in range(2)
        ]
    assert statuses == [401, 429]


def test_uploads_and_artifact_creation_share_a_tighter_limit_than_messages(
    limited: ChatcoreServer, client: httpx.Client, account: Account
) -> None:
    session = new_session(client, account)["_id"]
    headers = from_address(next(_addresses), account.headers)
    url = f"{limited.url}/chat/sessions/{session}"
    pdf = {"file": ("a.pdf", files.pdf(), "application/pdf")}
    assert httpx.post(f"{url}/artifacts/upload", files=pdf, headers=headers).status_code == 201
    text = {"type": "text", "name": "notes", "content": "x"}
    assert httpx.post(f"{url}/artifacts", json=text, headers=headers).status_code == 201
    refused = httpx.post(f"{url}/artifacts/upload", files=pdf, headers=headers)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 60
    assert httpx.post(f"{url}/artifacts", json=text, headers=headers).status_code == 429
    message = httpx.post(f"{url}/messages", json={"content": "still here"}, headers=headers)
    assert message.status_code == 201


def test_login_is_limited_tightly(limited: ChatcoreServer) -> None:
    address = next(_addresses)
    form = {"username": f"{unique_name()}@example.com", "password": "wrong-password"}
    statuses = [
        httpx.post(
            f"{limited.url}/auths/login", data=form, headers=from_address(address), timeout=10
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [401, 401, 429]


def test_reset_requests_are_limited_per_target_email_from_any_address(
    limited: ChatcoreServer,
) -> None:
    target = f"{unique_name('target')}@example.com"

    def request_reset(email: str) -> httpx.Response:
        return httpx.post(
            f"{limited.url}/auths/reset-password-request",
            params={"email": email},
            headers=from_address(next(_addresses)),
            timeout=10,
        )

    # Each from a fresh address: only the target's own count can refuse them.
    assert request_reset(target).status_code != 429
    assert request_reset(target.upper()).status_code != 429  # the same inbox
    refused = request_reset(f" {target} ")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 200  # 2 per 600 s
    assert refused.json()["detail"].startswith("Too many requests")
    assert request_reset(f"{unique_name('other')}@example.com").status_code != 429


def test_two_processes_sharing_redis_enforce_one_limit(
    server: ChatcoreServer, account: Account, redis_url: str
) -> None:
    shared = {**LIMITED, "CHATCORE_RATE_LIMIT_URL": redis_url, "CHATCORE_RATE_LIMIT_READ": "4/60"}
    headers = from_address(next(_addresses), account.headers)
    with sibling(server, **shared) as a, sibling(server, **shared) as b:
        statuses = [get(own, "/users/me", headers).status_code for own in (a, b, a, b, a, b)]
    assert statuses == [200, 200, 200, 200, 429, 429]


def test_limits_off_means_no_limits(client: httpx.Client, account: Account) -> None:
    assert all(client.get("/users/me", headers=account.headers).status_code == 200
               for _ in range(50))  # fmt: skip


def test_an_oversized_json_body_is_refused_and_stores_nothing(
    client: httpx.Client, account: Account
) -> None:
    content = "x" * (1024 * 1024)
    too_big = client.post("/chat/sessions", json={"title": content}, headers=account.headers)
    assert too_big.status_code == 413 and "detail" in too_big.json()

    def chunks() -> Iterator[bytes]:  # no Content-Length: caught while reading
        yield b'{"title": "'
        for _ in range(1100):
            yield b"x" * 1024
        yield b'"}'

    streamed = client.post(
        "/chat/sessions",
        content=chunks(),
        headers={**account.headers, "Content-Type": "application/json"},
    )
    assert streamed.status_code == 413
    assert client.get("/chat/sessions", headers=account.headers).json() == []


def test_long_urls_and_large_headers_are_refused(client: httpx.Client) -> None:
    assert client.get("/healthz", params={"q": "x" * 9000}).status_code == 414
    huge = client.get("/healthz", headers={"X-Padding": "x" * 20_000})
    assert huge.status_code == 431 and huge.json() == {"detail": "Request Header Fields Too Large"}


SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def check_security_headers(response: httpx.Response, authorized: bool) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.request.url, name)
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    if authorized:
        assert response.headers["cache-control"] == "no-store", response.request.url


def concrete(path: str) -> str:
    for name in ("user_id", "session_id", "message_id", "message"):
        path = path.replace(f"{{{name}}}", "0" * 24)
    return path.replace("{email}", "a@example.com").replace("{room}", "general")


def every_request() -> Iterator[tuple[str, str]]:
    """Each method of each HTTP route of the app, with ids filled in."""
    for route in ROUTES:
        if isinstance(route, Route):
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    yield method, concrete(route.path)
    yield "GET", "/no/such/route"
    yield "PATCH", "/healthz"  # 405


@pytest.mark.parametrize("authorized", [False, True])
def test_every_route_carries_the_security_headers(
    client: httpx.Client, account: Account, authorized: bool
) -> None:
    headers = account.headers if authorized else {}
    seen: list[Any] = []
    for method, path in every_request():
        response = client.request(
            method, path, headers=headers, json={} if method != "GET" else None
        )
        check_security_headers(response, authorized)
        seen.append(response.status_code)
    assert {200, 404, 405} <= set(seen)


def test_a_429_carries_the_security_headers(limited: ChatcoreServer, account: Account) -> None:
    headers = from_address(next(_addresses), account.headers)
    for _ in range(4):
        response = get(limited, "/users/me", headers)
    assert response.status_code == 429
    check_security_headers(response, authorized=True)
