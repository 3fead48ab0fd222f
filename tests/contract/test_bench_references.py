"""The benchmark's references answer what chatcore's routes answer, so fractions compare."""

import json

from bench import baseline, limit, room_baseline
from starlette.testclient import TestClient

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
