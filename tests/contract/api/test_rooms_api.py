"""Rooms: the WebSocket chat and the room history, through a real server and client."""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.contract.api.conftest import Account, forge_token, unique_name
from tests.contract.api.server import ChatcoreServer

MESSAGE_FIELDS = {"type", "_id", "user_id", "username", "content", "room", "created_at"}
HISTORY_FIELDS = {
    "_id", "user_id", "username", "content", "room", "created_at", "updated_at",
    "deleted", "deleted_at",
}  # fmt: skip


def ws_url(server: ChatcoreServer, room: str, token: str | None) -> str:
    query = "" if token is None else f"?token={token}"
    return f"ws://127.0.0.1:{server.port}/chat/ws/{room}{query}"


@contextmanager
def joined(server: ChatcoreServer, room: str, account: Account) -> Iterator[ClientConnection]:
    with connect(ws_url(server, room, account.access_token), open_timeout=10) as ws:
        assert receive(ws)["content"] == f"{account.username} joined the room"
        yield ws


def receive(ws: ClientConnection, timeout: float = 5) -> Any:
    return json.loads(ws.recv(timeout=timeout))


def receive_until(ws: ClientConnection, kind: str, timeout: float = 5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        event = receive(ws, max(0.01, deadline - time.monotonic()))
        if event["type"] == kind:
            return event


def closed_with(ws: ClientConnection, timeout: float = 5) -> int | None:
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(timeout=timeout)
    return closed.value.rcvd.code if closed.value.rcvd else None


def test_join_broadcast_and_leave(
    server: ChatcoreServer, client: httpx.Client, account: Account, other_account: Account
) -> None:
    room = unique_name("room")
    with joined(server, room, account) as first:
        with joined(server, room, other_account) as second:
            arrival = receive(first)
            assert arrival["type"] == "system" and arrival["room"] == room
            assert arrival["content"] == f"{other_account.username} joined the room"
            assert arrival["timestamp"].endswith("Z")

            second.send(json.dumps({"content": "Hello everyone!"}))
            for ws in (first, second):  # the sender hears its own message too
                event = receive(ws)
                assert set(event) == MESSAGE_FIELDS
                assert (event["type"], event["content"], event["room"]) == (
                    "message", "Hello everyone!", room,
                )  # fmt: skip
                assert (event["user_id"], event["username"]) == (
                    other_account.id, other_account.username,
                )  # fmt: skip
        departure = receive(first)
        assert departure["content"] == f"{other_account.username} left the room"

    history = client.get(f"/chat/messages/{room}", headers=account.headers)
    assert history.status_code == 200
    [stored] = history.json()
    assert set(stored) == HISTORY_FIELDS
    assert stored["content"] == "Hello everyone!" and stored["deleted"] is False


def test_bad_tokens_close_with_1008(server: ChatcoreServer, account: Account) -> None:
    for token in (None, "not-a-token", forge_token(server, account, timedelta(seconds=-1))):
        with connect(ws_url(server, "general", token), open_timeout=10) as ws:
            assert closed_with(ws) == 1008


def test_a_connection_closes_when_its_token_expires(
    server: ChatcoreServer, account: Account
) -> None:
    token = forge_token(server, account, timedelta(seconds=1.5))
    with connect(ws_url(server, unique_name("room"), token), open_timeout=10) as ws:
        assert receive(ws)["type"] == "system"
        assert closed_with(ws, timeout=10) == 1008


def test_invalid_room_name_closes_with_1008(server: ChatcoreServer, account: Account) -> None:
    with connect(ws_url(server, "x" * 65, account.access_token), open_timeout=10) as ws:
        assert closed_with(ws) == 1008


def test_bad_frames_get_an_error_and_the_connection_stays(
    server: ChatcoreServer, account: Account
) -> None:
    with joined(server, unique_name("room"), account) as ws:
        for frame in ["not json", json.dumps({"text": "hi"}), json.dumps({"content": 5}),
                      json.dumps({"content": "   "}), json.dumps({"content": "x" * 4001}),
                      b"binary"]:  # fmt: skip
            ws.send(frame)
            event = receive(ws)
            assert event["type"] == "error" and event["detail"], frame
        ws.send(json.dumps({"content": "still here"}))
        assert receive(ws)["content"] == "still here"


def test_oversized_frames_close_the_connection(server: ChatcoreServer, account: Account) -> None:
    with joined(server, unique_name("room"), account) as ws:
        ws.send(json.dumps({"content": "x" * 100_000}))
        assert closed_with(ws) == 1009


@contextmanager
def sibling(
    server: ChatcoreServer, args: tuple[str, ...] = (), **env: str
) -> Iterator[ChatcoreServer]:
    """Another server process over the same data (so accounts and tokens hold), on its port;
    `args` go to `chatcore serve`."""
    inherited = {name: value for name, value in server.env.items() if name != "CHATCORE_PORT"}
    own = ChatcoreServer(Path(server.env["CHATCORE_DATA_DIR"]), {**inherited, **env}, args)
    own.start()
    try:
        yield own
    finally:
        own.stop()


def test_floods_are_refused_then_closed(server: ChatcoreServer, account: Account) -> None:
    with (
        sibling(server, CHATCORE_RATE_LIMITS="on") as limited,
        joined(limited, unique_name("room"), account) as ws,
    ):
        for i in range(12):
            ws.send(json.dumps({"content": f"m{i}"}))
        kinds = [receive(ws)["type"] for _ in range(12)]
        assert "error" in kinds and kinds.count("message") >= 10
        for i in range(40):
            ws.send(json.dumps({"content": f"flood {i}"}))
        assert closed_with(ws) == 1008


def test_room_deletion_is_announced_and_author_only(
    server: ChatcoreServer, client: httpx.Client, account: Account, other_account: Account
) -> None:
    room = unique_name("room")
    with joined(server, room, account) as ws:
        ws.send(json.dumps({"content": "oops"}))
        message = receive_until(ws, "message")
        path = f"/chat/messages/{message['_id']}"
        assert client.delete(path, headers=other_account.headers).status_code == 403
        deleted = client.delete(path, headers=account.headers)
        assert deleted.json() == {"message": "Message deleted successfully"}
        assert receive_until(ws, "deleted") == {
            "type": "deleted", "_id": message["_id"], "room": room,
        }  # fmt: skip
    assert client.delete(path, headers=account.headers).status_code == 404
    assert client.get(f"/chat/messages/{room}", headers=account.headers).json() == []


def test_room_history_limits(client: httpx.Client, account: Account) -> None:
    for limit in (0, 101, "x"):
        response = client.get("/chat/messages/general", params={"limit": limit},
                              headers=account.headers)  # fmt: skip
        assert response.status_code == 422
    assert client.get("/chat/messages/general").status_code == 401
    bad_room = client.get("/chat/messages/" + "x" * 65, headers=account.headers)
    assert bad_room.status_code == 400
    assert client.delete("/chat/messages/nope", headers=account.headers).status_code == 400


def test_shutdown_says_going_away(server: ChatcoreServer, account: Account) -> None:
    with (
        sibling(server) as own,
        connect(ws_url(own, "general", account.access_token), open_timeout=10) as ws,
    ):
        assert receive(ws)["type"] == "system"
        own.stop()
        assert closed_with(ws) == 1001


def test_two_processes_sharing_redis_form_one_room(
    server: ChatcoreServer,
    client: httpx.Client,
    account: Account,
    other_account: Account,
    redis_url: str,
) -> None:
    room = unique_name("room")
    with (
        sibling(server, CHATCORE_BROKER_URL=redis_url) as a,
        sibling(server, CHATCORE_BROKER_URL=redis_url) as b,
        joined(a, room, account) as on_a,
        joined(b, room, other_account) as on_b,
    ):
        assert receive(on_a)["content"] == f"{other_account.username} joined the room"
        on_a.send(json.dumps({"content": "from A"}))
        on_b.send(json.dumps({"content": "from B"}))
        for ws in (on_a, on_b):
            heard = {receive_until(ws, "message")["content"] for _ in range(2)}
            assert heard == {"from A", "from B"}
        # A deletion through either process is announced in both.
        # Two processes' ids made in the same second sort by process, not by time: pick
        # the message by its author, not by its place in the history.
        history = client.get(f"/chat/messages/{room}", headers=account.headers).json()
        [first] = [message for message in history if message["user_id"] == account.id]
        deleted = httpx.delete(
            f"{b.url}/chat/messages/{first['_id']}", headers=account.headers, timeout=10
        )
        assert deleted.status_code == 200
        for ws in (on_a, on_b):
            assert receive_until(ws, "deleted")["_id"] == first["_id"]


def test_events_are_not_compressed_per_connection(server: ChatcoreServer, account: Account) -> None:
    # The websockets client offers permessage-deflate, as browsers do; the server declines.
    with joined(server, unique_name("room"), account) as ws:
        assert ws.response is not None
        assert "Sec-WebSocket-Extensions" not in ws.response.headers
