"""What operators rely on: request ids and logs, /readyz, graceful shutdown, --version."""

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import pytest

from adapters.sqlite import SqliteDatabase
from entrypoints.bootstrap import build
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.contract.api.conftest import Account, login
from tests.contract.api.server import ChatcoreServer


def log_lines(server: ChatcoreServer) -> list[dict[str, object]]:
    return list(server.access_entries())


def test_a_sane_request_id_is_echoed_and_logged(
    client: httpx.Client, server: ChatcoreServer, account: Account
) -> None:
    response = client.get("/users/me", headers={**account.headers, "X-Request-ID": "abc-123.x"})
    assert response.headers["x-request-id"] == "abc-123.x"
    deadline = time.monotonic() + 5
    while not [e for e in log_lines(server) if e["request_id"] == "abc-123.x"]:
        assert time.monotonic() < deadline, "no log line for the request"
        time.sleep(0.05)
    [entry] = [e for e in log_lines(server) if e["request_id"] == "abc-123.x"]
    assert entry["method"] == "GET" and entry["path"] == "/users/me" and entry["status"] == 200
    assert isinstance(entry["duration_ms"], float)


def test_an_insane_request_id_is_replaced(client: httpx.Client) -> None:
    for sent in ("x" * 129, "no spaces", "é"):
        response = client.get("/healthz", headers={"X-Request-ID": sent.encode()})
        assert len(response.headers["x-request-id"]) == 32, sent
    assert (
        client.get("/healthz").headers["x-request-id"]
        != client.get("/healthz").headers["x-request-id"]
    )


def test_the_log_holds_route_templates_and_no_tokens(
    client: httpx.Client, server: ChatcoreServer, account: Account
) -> None:
    client.get(f"/users/{account.id}", headers=account.headers)
    client.post("/auths/verify-email", params={"token": "secret-token-in-the-query"})
    time.sleep(0.2)
    paths = {entry["path"] for entry in log_lines(server)}
    assert "/users/{user_id}" in paths and "/auths/verify-email" in paths
    log = server.log()
    # Ids appear in the audit trail's lines by design; request lines carry templates only.
    request_lines = [line for line in log.splitlines() if '"duration_ms"' in line]
    assert not any(account.id in line for line in request_lines)
    assert "secret-token-in-the-query" not in log
    assert account.access_token not in log


def test_readyz_answers_when_the_database_and_storage_do(client: httpx.Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "storage": "ok"}}


def test_readyz_answers_503_when_the_database_is_down(tmp_path: Path) -> None:
    runtime = build(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/db"))
    app = create_app(runtime.core, readiness=runtime.readiness_checks())
    assert isinstance(runtime.database, SqliteDatabase)

    async def probe_twice() -> tuple[httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://chatcore") as http:
            before = await http.get("/readyz")
            runtime.database.close()
            return before, await http.get("/readyz")

    before, response = anyio.run(probe_twice)
    assert before.status_code == 200
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "down: ProgrammingError", "storage": "ok"},
    }


def test_readyz_answers_503_when_the_storage_is_gone(tmp_path: Path) -> None:
    storage = tmp_path / "storage"
    runtime = build(
        Settings(data_dir=tmp_path, database_url="memory://", storage_url=f"file://{storage}")
    )
    app = create_app(runtime.core, readiness=runtime.readiness_checks())

    async def probe_twice() -> tuple[httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://chatcore") as http:
            before = await http.get("/readyz")
            storage.rmdir()  # a volume that was unmounted, say
            return before, await http.get("/readyz")

    before, response = anyio.run(probe_twice)
    assert before.json()["checks"] == {"database": "ok", "storage": "ok"}
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "storage": "down: FileNotFoundError"},
    }


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ChatcoreServer]:
    running = ChatcoreServer(tmp_path, {"CHATCORE_RATE_LIMITS": "off"}).start()
    yield running
    running.stop()


def test_shutdown_finishes_the_requests_in_flight(own_server: ChatcoreServer) -> None:
    # Logins hash a password on few threads: a burst of them is still running at SIGTERM.
    answers: list[tuple[int, float]] = []
    failures: list[BaseException] = []

    ready = threading.Barrier(12)

    def sign_in() -> None:
        try:
            with httpx.Client(base_url=own_server.url, timeout=30) as http:
                # Connected first (kept alive), then all at once: every login reaches the
                # server before the first one is answered.
                assert http.get("/healthz").status_code == 200
                ready.wait()
                status = login(http, "nobody@example.com").status_code
            answers.append((status, time.monotonic()))
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=sign_in) for _ in range(12)]
    for thread in threads:
        thread.start()
    # The first answer means the burst has reached the server; the rest is queued there.
    deadline = time.monotonic() + 20
    while not answers and not failures and time.monotonic() < deadline:
        time.sleep(0.005)
    stopped_at = time.monotonic()
    own_server.stop()
    for thread in threads:
        thread.join()
    assert not failures
    assert [status for status, _ in answers] == [401] * 12
    assert any(at > stopped_at for _, at in answers), "no request was in flight at shutdown"


def test_version(server: ChatcoreServer) -> None:
    shown = server.cli("--version")
    assert shown.returncode == 0
    assert shown.stdout.strip().startswith("chatcore 0.")
