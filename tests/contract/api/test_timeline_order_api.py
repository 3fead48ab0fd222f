"""Timelines keep the order the server accepted messages in, across server processes.

Ids are ObjectId-shaped: seconds, then random bytes fixed per process. Two processes
sending within one second would otherwise come back grouped by process, not by time.
"""

import json
import time
from typing import Any

import httpx
from websockets.sync.client import ClientConnection

from tests.contract.api.conftest import Account, unique_name
from tests.contract.api.server import ChatcoreServer
from tests.contract.api.test_rooms_api import joined, receive, receive_until, sibling
from tests.contract.api.test_sessions_api import new_session

ROUNDS = 8


def heard(ws: ClientConnection, content: str) -> Any:
    """The message with this content, once the room has it (earlier events are skipped)."""
    while True:
        event = receive_until(ws, "message")
        if event["content"] == content:
            return event


def test_two_processes_keep_the_order_messages_were_accepted_in(
    server: ChatcoreServer,
    client: httpx.Client,
    account: Account,
    other_account: Account,
    redis_url: str,
) -> None:
    session_id = new_session(client, account)["_id"]
    room = unique_name("room")
    # Two processes over one SQLite file, one Redis broker for the room.
    with (
        sibling(server, CHATCORE_BROKER_URL=redis_url) as a,
        sibling(server, CHATCORE_BROKER_URL=redis_url) as b,
    ):
        sent = []
        for n in range(ROUNDS):
            # Alternately through each process, each sent once the one before was accepted.
            process = (a, b)[n % 2]
            response = httpx.post(
                f"{process.url}/chat/sessions/{session_id}/messages",
                json={"content": f"message {n}"},
                headers=account.headers,
                timeout=10,
            )
            assert response.status_code == 201, response.text
            sent.append(response.json()["_id"])
            time.sleep(0.005)  # the next one is accepted a few milliseconds later
        with joined(a, room, account) as on_a, joined(b, room, other_account) as on_b:
            assert receive(on_a)["content"] == f"{other_account.username} joined the room"
            posted = []
            for n in range(ROUNDS):
                sender = (on_a, on_b)[n % 2]
                sender.send(json.dumps({"content": f"post {n}"}))
                posted.append(heard(sender, f"post {n}")["_id"])
                time.sleep(0.005)
    messages = client.get(f"/chat/sessions/{session_id}/messages", headers=account.headers)
    assert [message["_id"] for message in messages.json()] == sent
    history = client.get(f"/chat/messages/{room}", headers=account.headers)
    assert [message["_id"] for message in history.json()] == posted
    # Paging back one message at a time keeps the same order.
    older = client.get(
        f"/chat/sessions/{session_id}/messages",
        params={"limit": 1, "before": sent[-1]},
        headers=account.headers,
    )
    assert [message["_id"] for message in older.json()] == sent[-2:-1]
