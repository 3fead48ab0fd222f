"""`chatcore serve`: its command-line options, several worker processes, and its log."""

import json
import sqlite3
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests.contract.api.conftest import PASSWORD, Account, login, unique_name
from tests.contract.api.server import ChatcoreServer
from tests.contract.api.test_rooms_api import receive_until, sibling, ws_url
from tests.processes import free_port


def test_two_workers_serve_one_port_as_one_server(
    server: ChatcoreServer, account: Account, redis_url: str
) -> None:
    room = unique_name("room")
    with (
        sibling(server, ("--workers", "2"), CHATCORE_BROKER_URL=redis_url) as workers,
        ExitStack() as sockets,
    ):
        # /healthz answers once the first worker serves; the second may still be starting.
        deadline = time.monotonic() + 30
        while len(started_processes(workers)) < 2:
            assert time.monotonic() < deadline, workers.log()
            time.sleep(0.1)
        assert len(started_processes(workers)) == 2
        for _ in range(10):
            response = httpx.get(f"{workers.url}/users/me", headers=account.headers, timeout=10)
            assert response.status_code == 200
        # However the kernel spread the connections over the workers, the room is one.
        members = []
        for _ in range(6):
            ws = sockets.enter_context(connect(ws_url(workers, room, account.access_token)))
            # Its own join, come back through Redis: its worker listens to the room now
            # (a join published while another worker was still subscribing may be missed).
            assert receive_until(ws, "system", timeout=15)["content"].endswith("joined the room")
            members.append(ws)
        members[-1].send(json.dumps({"content": "to every worker"}))
        for ws in members:
            assert receive_until(ws, "message")["content"] == "to every worker"


def started_processes(server: ChatcoreServer) -> set[str]:
    return {e["message"] for e in server.log_entries() if "Started server process" in e["message"]}


def test_several_workers_need_a_shared_broker(tmp_path: Path) -> None:
    refused = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "serve", "--workers", "2"],
        env={"CHATCORE_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2
    assert "CHATCORE_BROKER_URL" in refused.stderr
    assert not (tmp_path / "chatcore.db").exists()


def test_host_and_port_come_from_the_command_line(server: ChatcoreServer) -> None:
    configured = free_port()
    inherited = {name: value for name, value in server.env.items() if name != "CHATCORE_PORT"}
    own = ChatcoreServer(Path(server.env["CHATCORE_DATA_DIR"]), inherited)
    own.env["CHATCORE_PORT"] = str(configured)
    own.args = ("--host", "127.0.0.1", "--port", str(own.port))
    own.start()  # it waits for /healthz on own.port: the one given on the command line
    try:
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{configured}/healthz", timeout=2)
    finally:
        own.stop()


def test_lines_written_for_a_request_carry_its_id(
    server: ChatcoreServer, client: httpx.Client, account: Account
) -> None:
    response = client.post(
        "/auths/login",
        data={"username": account.email, "password": PASSWORD + "wrong"},
        headers={"X-Request-ID": "audit-me-1"},
    )
    assert response.status_code == 401
    audit = [e for e in server.log_entries() if e["logger"] == "chatcore.audit"]
    [entry] = [e for e in audit if e.get("request_id") == "audit-me-1"]
    assert entry["audit"]["event"] == "login_failed" and entry["audit"]["user_id"] == account.id


def test_text_format_and_level(server: ChatcoreServer, account: Account) -> None:
    with sibling(server, CHATCORE_LOG_FORMAT="text", CHATCORE_LOG_LEVEL="warning") as quiet:
        assert httpx.get(f"{quiet.url}/users/me", headers=account.headers).status_code == 200
        with httpx.Client(base_url=quiet.url, timeout=30) as http:
            assert login(http, account.email, "wrong").status_code == 401
    # At the warning level neither the request lines nor the info records are written.
    assert "GET /users/me" not in quiet.log()
    assert "Started server process" not in quiet.log()
    with sibling(server, CHATCORE_LOG_FORMAT="text") as readable:
        assert httpx.get(f"{readable.url}/healthz").status_code == 200
    lines = readable.log().splitlines()
    assert any(" INFO    chatcore.access: GET /healthz 200 " in line for line in lines)
    assert not any(line.startswith("{") for line in lines)


def test_what_is_written_reaches_the_database_file_without_a_commit_copying_it(
    server: ChatcoreServer, client: httpx.Client, account: Account
) -> None:
    # SQLite's commits copy the write-ahead log back only once it holds 1,000 pages; the
    # server's checkpoint thread does it within a fraction of a second, off the event loop.
    session = client.post("/chat/sessions", json={"title": "t"}, headers=account.headers).json()
    content = unique_name("checkpointed")
    sent = client.post(
        f"/chat/sessions/{session['_id']}/messages",
        json={"content": content},
        headers=account.headers,
    )
    assert sent.status_code == 201
    database = Path(server.env["CHATCORE_DATA_DIR"]) / "chatcore.sqlite3"
    deadline = time.monotonic() + 10
    while not in_database_file(database, content):
        assert time.monotonic() < deadline, "the message is still only in the log"
        time.sleep(0.1)


def in_database_file(path: Path, content: str) -> bool:
    """Whether the database file itself (the write-ahead log left unread) holds a message."""
    reader = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        found = reader.execute("SELECT 1 FROM messages WHERE content = ?", (content,)).fetchone()
        return found is not None
    except sqlite3.DatabaseError:  # caught halfway through a copy: look again
        return False
    finally:
        reader.close()
