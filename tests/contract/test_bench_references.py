"""The benchmark's references answer what chatcore's routes answer, so fractions compare."""

import asyncio
import json

from bench import baseline, limit, room_baseline
from bench.ws_client import CountingClient, EventCounts, WebSocketClient
from starlette.testclient import TestClient
from websockets.asyncio.server import ServerConnection, serve

ROUTES = [
    ("GET", "/healthz", None),
    ("GET", "/users/me", None),
    ("GET", "/chat/sessions", None),
    ("GET", "/chat/sessions/x/messages", None),
    ("POST", "/chat/sessions/x/messages", {"content": "Hello, this is my message!"}),
]


def test_the_limit_serves_the_baselines_bodies_encoded_once() -> None:
    with TestClient(baseline.app) as encoding, TestClient(limit.app) as constant:
        for method, path, body in ROUTES:
            expected = encoding.request(method, path, json=body)
            served = constant.request(method, path, json=body)
            assert served.status_code == expected.status_code, path
            assert served.headers["content-type"] == "application/json", path
            assert served.json() == expected.json(), path


def test_the_room_baseline_announces_joins_and_broadcasts_to_every_member() -> None:
    with (
        TestClient(room_baseline.app) as client,
        client.websocket_connect("/chat/ws/r") as first,
    ):
        assert json.loads(first.receive_text())["type"] == "system"
        with client.websocket_connect("/chat/ws/r") as second:
            assert json.loads(first.receive_text())["type"] == "system"
            assert json.loads(second.receive_text())["type"] == "system"
            second.send_text(json.dumps({"content": "hi"}))
            for member in (first, second):
                event = json.loads(member.receive_text())
                assert event == {"type": "message", "content": "hi", "room": "r"}


def test_the_fanout_clients_answer_pings_so_a_long_join_is_not_timed_out() -> None:
    # uvicorn pings every 20 s and closes (1011) a connection whose pong is 20 s late: a
    # thousand clients take longer than that to join. Here a server pinging every 0.2 s
    # with a 1 s timeout (generous: the machine may be loaded) keeps every kind of client
    # for 3 s.
    async def scenario() -> dict[str, int | None]:
        received: list[bytes] = []

        async def echo(connection: ServerConnection) -> None:
            async for message in connection:
                await connection.send(message)

        async with serve(echo, "127.0.0.1", 0, ping_interval=0.2, ping_timeout=1.0) as server:
            port = server.sockets[0].getsockname()[1]
            counts = EventCounts()
            clients = {
                "parsing": await WebSocketClient.connect("127.0.0.1", port, "/", received.append),
                "counting": await CountingClient.connect(
                    "127.0.0.1",
                    port,
                    "/",
                    counts,  # type: ignore[arg-type]
                ),
            }
            await asyncio.sleep(3.0)
            clients["parsing"].send_text('{"type": "message"}')
            for _ in range(100):  # the echo, within 5 s
                if received:
                    break
                await asyncio.sleep(0.05)
            assert received == [b'{"type": "message"}']
            outcome = {name: client.close_code for name, client in clients.items()}
            outcome["closed"] = sum(client.closed.done() for client in clients.values())
            for client in clients.values():
                client.close()
            return outcome

    outcome = asyncio.run(scenario())
    assert outcome == {"parsing": None, "counting": None, "closed": 0}
