"""Purging end to end: a server of its own (its data is purged), real SQLite and files.

An account with a ZIP upload and a repository (from the loopback git server) is deleted
through the API; `chatcore purge` over the server's settings then removes its rows and
object-store keys, and nothing of another user's. Two server processes over one database
run the daily purge once between them.
"""

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import files
from tests.contract.api.conformance import ResponseConformance
from tests.contract.api.conftest import Account, signed_in_account
from tests.contract.api.server import ChatcoreServer, Mailbox, SmtpServer
from tests.contract.api.test_artifacts_api import upload
from tests.contract.api.test_repositories_api import client_of, create, ingesting_env, settled
from tests.contract.api.test_rooms_api import sibling
from tests.contract.api.test_sessions_api import new_session, send
from tests.git_server import GitHttpServer, make_repository

REPOSITORY = {"README.md": b"# purge me\n", "src/main.py": b"print('hi')\n"}


@pytest.fixture(scope="module")
def git_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitHttpServer]:
    root = tmp_path_factory.mktemp("git")
    make_repository(root, "team/small.git", REPOSITORY)
    with GitHttpServer(root) as running:
        yield running


@pytest.fixture(scope="module")
def own_server(
    tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer, git_server: GitHttpServer
) -> Iterator[ChatcoreServer]:
    env = {
        "CHATCORE_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
        "CHATCORE_RATE_LIMITS": "off",
        **ingesting_env(git_server),
    }
    running = ChatcoreServer(tmp_path_factory.mktemp("purged"), env).start()
    yield running
    running.stop()


@pytest.fixture
def http(own_server: ChatcoreServer, conformance: ResponseConformance) -> Iterator[httpx.Client]:
    with client_of(own_server, conformance) as client:
        yield client


def data_dir(server: ChatcoreServer) -> Path:
    return Path(server.env["CHATCORE_DATA_DIR"])


def rows(server: ChatcoreServer, table: str, column: str, value: str) -> int:
    with sqlite3.connect(data_dir(server) / "chatcore.sqlite3") as database:
        (count,) = database.execute(
            f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (value,)
        ).fetchone()
    return int(count)


def stored_keys(server: ChatcoreServer, artifact_id: str) -> list[str]:
    folder = data_dir(server) / "storage" / "artifacts" / artifact_id
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def with_uploads(
    http: httpx.Client, account: Account, repository_url: str
) -> tuple[Any, list[Any], Any]:
    """A session with a message and a ZIP upload; a repository (in a session of its own)."""
    session = new_session(http, account)
    message = send(http, account, session["_id"], "hello")
    data, _ = files.project_zip()
    response = upload(http, account, session["_id"], "project.zip", data)
    assert response.status_code == 201, response.text
    archive = response.json()
    repository = create(http, account, repository_url)
    repository = settled(http, account, repository)
    assert repository["metadata"]["status"] == "ready", repository
    return session, [archive, repository], message


def purge(server: ChatcoreServer, *args: str) -> dict[str, Any]:
    done = server.cli("purge", *args)
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_a_purge_removes_a_deleted_accounts_rows_and_objects_and_nothing_else(
    own_server: ChatcoreServer,
    http: httpx.Client,
    mailbox: Mailbox,
    git_server: GitHttpServer,
) -> None:
    source = git_server.url("team/small.git")
    gone, kept = signed_in_account(http, mailbox), signed_in_account(http, mailbox)
    _, gone_artifacts, gone_message = with_uploads(http, gone, source)
    kept_session, kept_artifacts, kept_message = with_uploads(http, kept, source)
    for artifact in (*gone_artifacts, *kept_artifacts):
        assert stored_keys(own_server, artifact["id"]), artifact
    kept_keys = {a["id"]: stored_keys(own_server, a["id"]) for a in kept_artifacts}
    assert http.delete(f"/users/{gone.id}", headers=gone.headers).status_code == 200

    # Within CHATCORE_PURGE_AFTER_DAYS (30 by default) nothing goes.
    waiting = purge(own_server)
    assert waiting["purged"]["users"] == 0
    assert rows(own_server, "users", "id", gone.id) == 1
    assert stored_keys(own_server, gone_artifacts[0]["id"])

    report = purge(own_server, "--older-than-days", "0")
    purged = report["purged"]
    counts = (purged["users"], purged["sessions"], purged["artifacts"], purged["messages"])
    assert counts == (1, 2, 2, 1)
    assert rows(own_server, "users", "id", gone.id) == 0
    assert rows(own_server, "sessions", "owner_id", gone.id) == 0
    assert rows(own_server, "messages", "id", gone_message["_id"]) == 0
    for artifact in gone_artifacts:
        assert rows(own_server, "artifacts", "id", artifact["id"]) == 0
        assert rows(own_server, "artifact_files", "artifact_id", artifact["id"]) == 0
        assert stored_keys(own_server, artifact["id"]) == []
        assert not (data_dir(own_server) / "storage" / "artifacts" / artifact["id"]).exists()
    assert rows(own_server, "one_time_tokens", "user_id", gone.id) == 0

    # The other account keeps its rows, its objects, and everything works as before.
    assert rows(own_server, "users", "id", kept.id) == 1
    for artifact in kept_artifacts:
        assert stored_keys(own_server, artifact["id"]) == kept_keys[artifact["id"]]
        url = f"/chat/sessions/{artifact['session_id']}/artifacts/{artifact['id']}"
        assert http.get(f"{url}/download", headers=kept.headers).status_code == 200
        assert http.get(f"{url}/files", headers=kept.headers).json()["total"] > 0
    messages = http.get(f"/chat/sessions/{kept_session['_id']}/messages", headers=kept.headers)
    assert [m["_id"] for m in messages.json()] == [kept_message["_id"]]

    # The run is audited, naming nobody.
    audit = own_server.cli("audit", "--event", "purged")
    events = [json.loads(line) for line in audit.stdout.splitlines()]
    assert events and all(e["user_id"] is None for e in events)
    assert gone.email not in audit.stdout


def test_purge_refuses_a_negative_number_of_days(own_server: ChatcoreServer) -> None:
    done = own_server.cli("purge", "--older-than-days", "-1")
    assert done.returncode == 2
    assert "0 or more" in done.stderr


def test_the_daily_purge_runs_once_among_the_processes_of_a_deployment(
    own_server: ChatcoreServer,
) -> None:
    # own_server, the first process on its database, won today's run when it started;
    # processes started later over the same database check at once, and find it taken.
    with sibling(own_server) as second, sibling(own_server) as third:
        servers = (own_server, second, third)
        deadline = time.monotonic() + 30
        while not all(checked(server) for server in servers):
            assert time.monotonic() < deadline, [server.log() for server in servers]
            time.sleep(0.1)
        assert [WON in server.log() for server in servers] == [True, False, False]


WON = "daily purge of what was deleted"
LOST = "daily purge: another process has today's run"


def checked(server: ChatcoreServer) -> bool:
    log = server.log()
    return WON in log or LOST in log
