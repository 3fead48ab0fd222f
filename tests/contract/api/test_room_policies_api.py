"""Room sockets under policy: sign-outs close them, limits per user, Origin, room names."""

import contextlib
import http.client
import json
import time
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from tests.contract.api.conftest import Account, unique_name
from tests.contract.api.server import ChatcoreServer, Mailbox
from tests.contract.api.test_rooms_api import (
    closed_with,
    joined,
    receive,
    receive_until,
    sibling,
    ws_url,
)


def revoke(
    how: str, server: ChatcoreServer, account: Account, admin: dict[str, str], mailbox: Mailbox
) -> None:
    """Revoke every sign-in of `account` through `server`'s HTTP API."""
    with httpx.Client(base_url=server.url, timeout=30) as http:
        if how == "deactivate":
            response = http.put(f"/users/{account.id}", json={"active": False}, headers=admin)
        elif how == "delete":
            response = http.delete(f"/users/{account.id}", headers=account.headers)
        elif how == "reset":
            requested = http.post("/auths/reset-password-request", params={"email": account.email})
            assert requested.status_code == 200, requested.text
            token = mailbox.token(account.email, "Reset")
            response = http.post(
                "/auths/reset-password", params={"token": token, "new_password": "NewPass123!"}
            )
        else:  # a replayed refresh token signs every session out
            body = {"refresh_token": account.refresh_token}
            assert http.post("/auths/refresh", json=body).status_code == 200
            response = http.post("/auths/refresh", json=body)
            assert response.status_code == 401
            return
    assert response.status_code == 200, response.text


def send_quietly(ws: ClientConnection, content: str) -> None:
    """Send a frame; the server may have closed the socket already, which is fine here."""
    with contextlib.suppress(ConnectionClosed):
        ws.send(json.dumps({"content": content}))


def heard_until_quiet(ws: ClientConnection, quiet: float = 1.0) -> list[dict[str, str]]:
    """Every event that arrives until none has for `quiet` seconds."""
    events = []
    with contextlib.suppress(TimeoutError):
        while True:
            events.append(json.loads(ws.recv(timeout=quiet)))
    return events


def stored(client: httpx.Client, room: str, account: Account) -> list[str]:
    response = client.get(f"/chat/messages/{room}", headers=account.headers)
    assert response.status_code == 200
    return [message["content"] for message in response.json()]


@pytest.mark.parametrize("how", ["deactivate", "delete", "reset", "refresh_reuse"])
def test_revoking_a_users_sign_ins_closes_their_socket_with_1008(
    how: str,
    server: ChatcoreServer,
    client: httpx.Client,
    account: Account,
    other_account: Account,
    admin: dict[str, str],
    mailbox: Mailbox,
) -> None:
    room = unique_name("room")
    with joined(server, room, other_account) as observer, joined(server, room, account) as ws:
        receive(observer)  # the member joining
        send_quietly(ws, "before")
        assert receive_until(observer, "message")["content"] == "before"
        revoke(how, server, account, admin, mailbox)
        send_quietly(ws, "after")  # racing the close: refused either way
        assert closed_with(ws) == 1008
        events = heard_until_quiet(observer)
    assert [event["content"] for event in events] == [f"{account.username} left the room"]
    assert stored(client, room, other_account) == ["before"]


@pytest.mark.parametrize("how", ["deactivate", "reset", "refresh_reuse"])
def test_a_frame_after_sign_out_is_refused_where_no_kick_arrives(
    how: str,
    server: ChatcoreServer,
    client: httpx.Client,
    account: Account,
    other_account: Account,
    admin: dict[str, str],
    mailbox: Mailbox,
) -> None:
    # A sibling with its own in-process broker hears no sign-out from `server`: its socket
    # stays open, and only the check on each frame stands between the user and the room.
    room = unique_name("room")
    with (
        sibling(server) as elsewhere,
        joined(elsewhere, room, other_account) as observer,
        joined(elsewhere, room, account) as ws,
    ):
        receive(observer)
        revoke(how, server, account, admin, mailbox)
        ws.send(json.dumps({"content": "after"}))
        assert closed_with(ws) == 1008
        events = heard_until_quiet(observer)
    assert [event["type"] for event in events] == ["system"]  # left, no message
    assert stored(client, room, other_account) == []


def test_a_sign_out_through_one_process_closes_the_socket_on_another(
    server: ChatcoreServer, account: Account, admin: dict[str, str], redis_url: str
) -> None:
    with (
        sibling(server, CHATCORE_BROKER_URL=redis_url) as a,
        sibling(server, CHATCORE_BROKER_URL=redis_url) as b,
        joined(b, unique_name("room"), account) as on_b,
    ):
        deactivated = httpx.put(
            f"{a.url}/users/{account.id}", json={"active": False}, headers=admin, timeout=30
        )
        assert deactivated.status_code == 200
        started = time.monotonic()
        assert closed_with(on_b, timeout=10) == 1008  # without sending anything
        assert time.monotonic() - started < 5


def test_ten_sockets_of_one_user_on_two_processes_share_one_allowance(
    server: ChatcoreServer, client: httpx.Client, account: Account, redis_url: str
) -> None:
    room = unique_name("room")
    shared = {
        "CHATCORE_BROKER_URL": redis_url,
        "CHATCORE_RATE_LIMITS": "on",
        "CHATCORE_RATE_LIMIT_ROOM_MESSAGES": "10/60",  # 10 at once, then one every 6 s
    }
    with (
        sibling(server, **shared) as a,
        sibling(server, **shared) as b,
        contextlib.ExitStack() as stack,
    ):
        sockets = [
            stack.enter_context(connect(ws_url(process, room, account.access_token)))
            for process in (a, b) * 5
        ]
        for ws in sockets:
            heard_until_quiet(ws, quiet=0.5)  # the joins
        for ws in sockets:
            for i in range(3):
                ws.send(json.dumps({"content": f"frame {i}"}))
        refused = sum(event["type"] == "error" for ws in sockets for event in heard_until_quiet(ws))
        kept = len(stored(client, room, account))
    # 30 frames against one allowance of 10 (one more may have accrued on a slow machine).
    assert 10 <= kept <= 12
    assert refused == 30 - kept


def test_sockets_beyond_the_cap_per_user_are_closed_with_1013(
    server: ChatcoreServer, account: Account
) -> None:
    room = unique_name("room")
    with (
        sibling(server, CHATCORE_ROOM_SOCKETS_PER_USER="2") as capped,
        joined(capped, room, account),
        joined(capped, room, account) as second,
    ):
        with connect(ws_url(capped, room, account.access_token)) as third:
            assert closed_with(third) == 1013
        second.close()
        time.sleep(0.2)  # the server lets go of the closed socket
        with joined(capped, room, account):
            pass


def test_opening_sockets_too_fast_is_closed_with_1013(
    server: ChatcoreServer, account: Account
) -> None:
    limited = {"CHATCORE_RATE_LIMITS": "on", "CHATCORE_RATE_LIMIT_ROOM_CONNECT": "3/60"}
    with sibling(server, **limited) as own:
        # Counted per address before the token is read: failed handshakes count too.
        for _ in range(3):
            with connect(ws_url(own, "general", "not-a-token")) as ws:
                assert closed_with(ws) == 1008
        with connect(ws_url(own, "general", account.access_token)) as ws:
            assert closed_with(ws) == 1013


@contextlib.contextmanager
def opened(server: ChatcoreServer, account: Account, origin: str | None) -> Iterator[int | None]:
    """The close code of a room socket opened with this Origin; None if it joined."""
    url = ws_url(server, unique_name("room"), account.access_token)
    with connect(url, origin=None if origin is None else Origin(origin), open_timeout=10) as ws:
        try:
            event = receive(ws)
        except ConnectionClosed as closed:
            yield closed.rcvd.code if closed.rcvd else None
            return
        assert event["content"] == f"{account.username} joined the room"
        yield None


def test_pages_of_other_origins_are_refused(server: ChatcoreServer, account: Account) -> None:
    for origin in ("https://evil.example", "null", f"http://localhost:{server.port + 1}"):
        with opened(server, account, origin) as code:
            assert code == 1008, origin
    for origin in (None, f"http://127.0.0.1:{server.port}"):  # no browser; our own pages
        with opened(server, account, origin) as code:
            assert code is None, origin


def test_cors_origins_may_open_room_sockets(server: ChatcoreServer, account: Account) -> None:
    with sibling(server, CHATCORE_CORS_ORIGINS="https://app.example") as own:
        with opened(own, account, "https://app.example") as code:
            assert code is None
        with opened(own, account, "https://evil.example") as code:
            assert code == 1008
    with (
        sibling(server, CHATCORE_ROOM_ORIGINS="https://chat.example") as own,
        opened(own, account, "https://chat.example") as code,
    ):
        assert code is None


@pytest.mark.parametrize("room", [".", "..", "%2E", "%2E%2E"])
def test_dot_rooms_are_refused(server: ChatcoreServer, account: Account, room: str) -> None:
    with connect(ws_url(server, room, account.access_token), open_timeout=10) as ws:
        assert closed_with(ws) == 1008
    # http.client sends the path as written: httpx would remove the dot segments.
    for method in ("GET", "DELETE"):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            connection.request(method, f"/chat/messages/{room}", headers=account.headers)
            response = connection.getresponse()
            body = json.loads(response.read())
        finally:
            connection.close()
        assert response.status == 400, (method, room, body)
        assert body["detail"]
