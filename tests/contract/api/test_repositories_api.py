"""Repository artifacts end to end: a real git server on loopback, real server processes.

The session's main server ingests nothing (CHATCORE_REPOSITORY_WORKERS=0); the tests here
run siblings over the same data that allow the loopback git server and ingest from it.
"""

import io
import re
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.contract.api.conformance import ResponseConformance
from tests.contract.api.conftest import Account
from tests.contract.api.server import ChatcoreServer
from tests.contract.api.test_rooms_api import sibling
from tests.contract.api.test_sessions_api import new_session
from tests.git_server import (
    GitHttpServer,
    make_delta_bomb,
    make_empty_repository,
    make_repository,
    make_tree_bomb,
)
from tests.processes import free_port

SMALL = {
    "README.md": "# Café ☕ — ünïcödé\n".encode(),
    "src/app/__init__.py": b"",
    "src/app/deep/er/still/module.py": b"def f() -> int:\n    return 1\n",
    "assets/logo.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
}
LARGE_COUNT = 3_000
MAX_FILE_BYTES = 200_000


def large_project() -> dict[str, bytes]:
    return {
        f"pkg{i % 30}/sub{i % 7}/file_{i}.txt": f"file {i}\n".encode() for i in range(LARGE_COUNT)
    }


@pytest.fixture(scope="module")
def git_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("git")
    make_repository(root, "team/small.git", SMALL)
    make_repository(root, "team/large.git", large_project())
    make_repository(root, "team/huge-file.git", {"big.bin": b"\0" * (MAX_FILE_BYTES + 1)})
    make_empty_repository(root, "team/empty.git")
    make_tree_bomb(root, "hostile/tree-bomb.git")  # 10 KB naming a million empty folders
    make_delta_bomb(root, "hostile/delta-bomb.git", copies=3000)  # 3 GiB of files in 450 KB
    make_repository(root, "solo.git", SMALL)  # an operator's own server: one segment
    make_repository(root, "group/sub/deep", SMALL)  # cgit-style, no .git, three segments
    return root


@pytest.fixture(scope="module")
def git_server(git_root: Path) -> Iterator[GitHttpServer]:
    with GitHttpServer(git_root) as running:
        yield running


CLOSED_PORT = free_port()  # nothing listens there: an unreachable server


def ingesting_env(git_server: GitHttpServer, **more: str) -> dict[str, str]:
    return {
        "CHATCORE_REPOSITORY_ALLOWED_URLS": f"{git_server.base_url},http://127.0.0.1:{CLOSED_PORT}/",
        "CHATCORE_REPOSITORY_WORKERS": "2",
        "CHATCORE_REPOSITORY_LEASE_SECONDS": "2",
        "CHATCORE_REPOSITORY_POLL_SECONDS": "0.3",
        "CHATCORE_REPOSITORY_MAX_FILE_BYTES": str(MAX_FILE_BYTES),
        **more,
    }


@pytest.fixture(scope="module")
def ingester(server: ChatcoreServer, git_server: GitHttpServer) -> Iterator[ChatcoreServer]:
    with sibling(server, **ingesting_env(git_server)) as running:
        yield running


@contextmanager
def client_of(running: ChatcoreServer, conformance: ResponseConformance) -> Iterator[httpx.Client]:
    def check(response: httpx.Response) -> None:
        # Routes still undocumented on this branch (the artifact routes, documented in a
        # parallel change) are checked as soon as the document has them.
        request = response.request
        if conformance.documents(request.method, request.url.path):
            conformance(response)

    hooks = {"response": [check]}
    with httpx.Client(base_url=running.url, timeout=30, event_hooks=hooks) as http:
        yield http


@pytest.fixture
def http(ingester: ChatcoreServer, conformance: ResponseConformance) -> Iterator[httpx.Client]:
    with client_of(ingester, conformance) as client:
        yield client


def create(http: httpx.Client, account: Account, source: str, **fields: Any) -> Any:
    session = new_session(http, account)
    body = {"type": "repository", "source": source, **fields}
    response = http.post(f"/chat/sessions/{session['_id']}/artifacts", json=body,
                         headers=account.headers)  # fmt: skip
    assert response.status_code == 201, response.text
    artifact = response.json()
    assert artifact["metadata"]["status"] == "pending"
    return artifact


def url_of(artifact: Any) -> str:
    return f"/chat/sessions/{artifact['session_id']}/artifacts/{artifact['id']}"


def settled(
    http: httpx.Client, account: Account, artifact: Any, timeout: float = 60, key: str = "status"
) -> Any:
    """The artifact once its `metadata[key]` (ingestion's status, or `text_status`) is no
    longer pending."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = http.get(url_of(artifact), headers=account.headers).json()
        if current["metadata"][key] != "pending":
            return current
        time.sleep(0.1)
    raise AssertionError(f"{artifact['id']}: {key} still pending after {timeout} s")


def test_a_repository_becomes_ready_with_its_files(
    http: httpx.Client, account: Account, git_server: GitHttpServer
) -> None:
    artifact = create(http, account, git_server.url("team/small.git"))
    assert artifact["name"] == "small"
    ready = settled(http, account, artifact)
    metadata = ready["metadata"]
    assert (metadata["status"], metadata["files_count"]) == ("ready", len(SMALL))
    assert re.fullmatch(r"[0-9a-f]{40}", metadata["commit"])
    page = http.get(f"{url_of(artifact)}/files", headers=account.headers).json()
    assert page["total"] == len(SMALL)
    assert [(f["path"], f["size"]) for f in page["files"]] == sorted(
        (path, len(data)) for path, data in SMALL.items()
    )
    readme = http.get(f"{url_of(artifact)}/files/README.md", headers=account.headers).json()
    assert (readme["content"], readme["encoding"]) == (SMALL["README.md"].decode(), "utf-8")
    logo = http.get(f"{url_of(artifact)}/files/assets/logo.png", headers=account.headers).json()
    assert logo["encoding"] == "base64" and logo["size"] == len(SMALL["assets/logo.png"])
    deep = http.get(f"{url_of(artifact)}/files/src/app/deep/er/still/module.py",
                    headers=account.headers)  # fmt: skip
    assert deep.json()["content"] == SMALL["src/app/deep/er/still/module.py"].decode()


def test_a_repository_downloads_as_a_streamed_zip(
    http: httpx.Client, account: Account, git_server: GitHttpServer
) -> None:
    artifact = create(http, account, git_server.url("team/small.git"), name='My "small" repo')
    settled(http, account, artifact)
    download = http.get(f"{url_of(artifact)}/download", headers=account.headers)
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"My _small_ repo.zip\"; filename*=UTF-8''My%20%22small%22%20repo.zip"
    )
    assert download.headers.get("transfer-encoding") == "chunked"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert {name: archive.read(name) for name in archive.namelist()} == SMALL


def test_thousands_of_files(
    http: httpx.Client, account: Account, git_server: GitHttpServer
) -> None:
    artifact = settled(http, account, create(http, account, git_server.url("team/large.git")))
    assert (artifact["metadata"]["status"], artifact["metadata"]["files_count"]) == (
        "ready", LARGE_COUNT,
    )  # fmt: skip
    page = http.get(f"{url_of(artifact)}/files", params={"limit": 1000, "offset": 2500},
                    headers=account.headers).json()  # fmt: skip
    assert (page["total"], len(page["files"])) == (LARGE_COUNT, 500)
    one = http.get(f"{url_of(artifact)}/files/pkg7/sub0/file_7.txt", headers=account.headers)
    assert one.json()["content"] == "file 7\n"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("team/empty.git", "has no commits"),
        ("team/missing.git", "no repository there"),
        ("team/huge-file.git", f"over the {MAX_FILE_BYTES:,}-byte limit"),
    ],
)
def test_repositories_that_cannot_be_ingested_fail_readably(
    http: httpx.Client, account: Account, git_server: GitHttpServer, name: str, reason: str
) -> None:
    artifact = settled(http, account, create(http, account, git_server.url(name)))
    assert artifact["metadata"]["status"] == "failed"
    assert reason in artifact["metadata"]["error"]
    assert artifact["metadata"]["files_count"] == 0
    assert http.get(f"{url_of(artifact)}/files", headers=account.headers).json()["total"] == 0
    assert http.get(f"{url_of(artifact)}/download", headers=account.headers).status_code == 404


def test_an_unreachable_server_fails_readably(http: httpx.Client, account: Account) -> None:
    artifact = create(http, account, f"http://127.0.0.1:{CLOSED_PORT}/team/repo.git")
    failed = settled(http, account, artifact)
    assert failed["metadata"]["status"] == "failed"
    assert failed["metadata"]["error"].startswith("Could not fetch")


def test_disallowed_urls_are_refused_before_any_connection(
    http: httpx.Client, account: Account, git_server: GitHttpServer
) -> None:
    base, port = git_server.base_url, git_server.port
    session = new_session(http, account)
    before = git_server.requests
    for source in [
        "https://evil.example/team/small.git",  # another host
        f"http://localhost:{port}/team/small.git",  # the same server, by another name
        f"http://127.0.0.1:{CLOSED_PORT + 1}/team/small.git",  # another port
        "http://127.0.0.1/team/small.git",  # no port: another one
        f"https://127.0.0.1:{port}/team/small.git",  # another scheme
        "file:///etc/passwd",
        f"ssh://git@127.0.0.1:{port}/team/small.git",
        f"git://127.0.0.1:{port}/team/small.git",
        f"http://user:secret@127.0.0.1:{port}/team/small.git",  # credentials
        f"http://127.0.0.1:{port}@evil.example/team/small.git",  # `@` tricks
        f"http://evil.example#@127.0.0.1:{port}/team/small.git",
        f"{base}team/../../etc/small.git",  # dot segments
        f"{base}team/%2e%2e/small.git",  # encodings
        f"{base}team/sm%61ll.git",
        f"{base}team\\small.git",
        f"{base}team/small.git?upload-pack",
        f"{base}team/small.git with space",
        f"http://127.0.0.1:{port}/",  # nothing after the prefix
        "",
    ]:
        for body in ({"type": "repository", "source": source}, {"url": source}):
            path = (
                f"/chat/sessions/{session['_id']}/artifacts" if "type" in body
                else f"/chat/sessions/{session['_id']}/context/repository"
            )  # fmt: skip
            response = http.post(path, json=body, headers=account.headers)
            assert response.status_code == 400, (source, response.text)
            assert response.json()["detail"]
    assert http.get(f"/chat/sessions/{session['_id']}/artifacts",
                    headers=account.headers).json() == []  # fmt: skip
    time.sleep(0.5)  # a worker that was (wrongly) handed one would have connected by now
    assert git_server.requests == before


def test_the_legacy_endpoint_takes_three_body_forms(
    http: httpx.Client, account: Account, git_server: GitHttpServer
) -> None:
    session = new_session(http, account)
    path = f"/chat/sessions/{session['_id']}/context/repository"
    url = git_server.url("team/small.git")
    made = []
    for body, name in [
        ({"url": url, "name": "My Project"}, "My Project"),
        ({"source": url, "name": "Another"}, "Another"),
        ({"repo_url": url}, "small"),
    ]:
        response = http.post(path, json=body, headers=account.headers)
        assert response.status_code == 201, response.text
        artifact = response.json()
        assert (artifact["type"], artifact["name"], artifact["source"]) == ("repository", name, url)
        assert artifact["metadata"]["status"] == "pending"
        made.append(artifact)
    for artifact in made:
        assert settled(http, account, artifact)["metadata"]["files_count"] == len(SMALL)
    for bad in ({}, {"name": "x"}, {"url": url, "repo_url": git_server.url("team/large.git")}):
        assert http.post(path, json=bad, headers=account.headers).status_code == 400, bad
    assert http.post(path, json={"url": 5}, headers=account.headers).status_code == 422
    missing = "/chat/sessions/507f1f77bcf86cd799439011/context/repository"
    assert http.post(missing, json={"url": url}, headers=account.headers).status_code == 404
    assert http.post(path, json={"url": url}).status_code == 401


@pytest.mark.parametrize("name", ["solo.git", "group/sub/deep"])
def test_every_repository_path_under_an_allowed_prefix_is_ingested(
    http: httpx.Client, account: Account, git_server: GitHttpServer, name: str
) -> None:
    session = new_session(http, account)
    url = git_server.url(name)
    made = []
    for path, body in [
        (f"/chat/sessions/{session['_id']}/artifacts", {"type": "repository", "source": url}),
        (f"/chat/sessions/{session['_id']}/context/repository", {"url": url}),
    ]:
        response = http.post(path, json=body, headers=account.headers)
        assert response.status_code == 201, response.text
        assert response.json()["name"] == name.split("/")[-1].removesuffix(".git")
        made.append(response.json())
    for artifact in made:
        done = settled(http, account, artifact)
        assert (done["metadata"]["status"], done["metadata"]["files_count"]) == (
            "ready", len(SMALL),
        ), done  # fmt: skip


BOMB_TIMEOUT = 10.0  # a child process starts in a second or two on a loaded machine


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("hostile/tree-bomb.git", "more than 101,000 entries"),
        ("hostile/delta-bomb.git", "objects add up to more than"),
    ],
)
def test_a_hostile_repository_fails_within_its_limits_and_others_are_served_meanwhile(
    server: ChatcoreServer,
    git_server: GitHttpServer,
    account: Account,
    conformance: ResponseConformance,
    name: str,
    reason: str,
) -> None:
    env = ingesting_env(git_server, CHATCORE_REPOSITORY_TIMEOUT_SECONDS=str(BOMB_TIMEOUT))
    with (
        sibling(server, **env) as running,
        client_of(running, conformance) as http,
        # Timed without the conformance hook: validating each answer against the document
        # would be the test's own time, spent in the process that also serves git.
        httpx.Client(base_url=running.url, timeout=30) as timed,
    ):
        # Four at once, two by two on the two workers: a longer window to measure in.
        made = [create(http, account, git_server.url(name)) for _ in range(4)]
        created = time.monotonic()
        latencies: list[float] = []
        outcomes: dict[str, Any] = {}
        # Until they settle (bounded): GET /users/me, the artifacts between every ten.
        while len(outcomes) < len(made) and time.monotonic() - created < BOMB_TIMEOUT + 30:
            for _ in range(10):
                started = time.perf_counter()
                assert timed.get("/users/me", headers=account.headers).status_code == 200
                latencies.append(time.perf_counter() - started)
            for artifact in made:
                current = http.get(url_of(artifact), headers=account.headers).json()
                if artifact["id"] not in outcomes and current["metadata"]["status"] != "pending":
                    outcomes[artifact["id"]] = current
        took = time.monotonic() - created
    assert len(outcomes) == len(made), f"{name} still pending after {took:.1f} s"
    for outcome in outcomes.values():
        assert outcome["metadata"]["status"] == "failed"
        assert reason in outcome["metadata"]["error"]
    # Two rounds of at most the limit each, and room for a loaded machine.
    assert took < 2 * BOMB_TIMEOUT + 2, took
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    assert p99 < 0.050, f"GET /users/me p99 {p99 * 1000:.1f} ms over {len(latencies)} requests"


def own_account(running: ChatcoreServer, http: httpx.Client) -> Account:
    """An account in the server's own data, made with the CLI."""
    email, password = "restart@example.com", "SecurePass123!"
    made = running.cli("create-user", "--email", email, "--username", "restarter",
                       "--password", password, "--verified")  # fmt: skip
    assert made.returncode == 0, made.stderr
    signed_in = http.post("/auths/login", data={"username": email, "password": password}).json()
    return Account(signed_in["id"], email, "restarter", password, signed_in["access_token"],
                   signed_in["refresh_token"])  # fmt: skip


@contextmanager
def own_server(data_dir: Path, env: dict[str, str]) -> Iterator[ChatcoreServer]:
    running = ChatcoreServer(data_dir, env).start()
    try:
        yield running
    finally:
        running.stop()


def test_at_most_five_repositories_per_user_are_pending(
    tmp_path: Path, git_server: GitHttpServer, conformance: ResponseConformance
) -> None:
    # Data of its own and no worker anywhere: every repository created stays pending.
    env = {**ingesting_env(git_server), "CHATCORE_REPOSITORY_WORKERS": "0",
           "CHATCORE_RATE_LIMITS": "off"}  # fmt: skip
    with own_server(tmp_path, env) as running, client_of(running, conformance) as http:
        account = own_account(running, http)
        session = new_session(http, account)
        routes = {
            "artifacts": (f"/chat/sessions/{session['_id']}/artifacts",
                          {"type": "repository", "source": git_server.url("team/small.git")}),
            "legacy": (f"/chat/sessions/{session['_id']}/context/repository",
                       {"url": git_server.url("team/small.git")}),
        }  # fmt: skip
        made = []
        for number in range(5):
            path, body = routes["artifacts" if number % 2 else "legacy"]
            made.append(http.post(path, json=body, headers=account.headers))
        assert [response.status_code for response in made] == [201] * 5
        for path, body in routes.values():
            refused = http.post(path, json=body, headers=account.headers)
            assert refused.status_code == 429, refused.text
            assert int(refused.headers["Retry-After"]) >= 1
            assert "5 repositories" in refused.json()["detail"]
        listed = http.get(routes["artifacts"][0], headers=account.headers).json()
        assert sorted(a["id"] for a in listed) == sorted(r.json()["id"] for r in made)
        # Text artifacts are not jobs; a deleted repository makes room for another.
        text = {"type": "text", "content": "notes"}
        assert (
            http.post(routes["artifacts"][0], json=text, headers=account.headers).status_code == 201
        )
        assert http.delete(url_of(made[0].json()), headers=account.headers).status_code == 200
        path, body = routes["artifacts"]
        assert http.post(path, json=body, headers=account.headers).status_code == 201
        assert http.post(path, json=body, headers=account.headers).status_code == 429


def test_concurrent_creates_never_make_a_sixth_pending(
    tmp_path: Path, git_server: GitHttpServer, conformance: ResponseConformance
) -> None:
    env = {**ingesting_env(git_server), "CHATCORE_REPOSITORY_WORKERS": "0",
           "CHATCORE_RATE_LIMITS": "off"}  # fmt: skip
    with own_server(tmp_path, env) as running, client_of(running, conformance) as http:
        account = own_account(running, http)
        session = new_session(http, account)
        path = f"/chat/sessions/{session['_id']}/artifacts"
        body = {"type": "repository", "source": git_server.url("team/small.git")}

        def create_one(_: int) -> int:
            with httpx.Client(base_url=running.url, timeout=30) as own:
                return own.post(path, json=body, headers=account.headers).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            codes = list(pool.map(create_one, range(12)))
        assert sorted(codes) == [201] * 5 + [429] * 7, codes
        assert len(http.get(path, headers=account.headers).json()) == 5


def test_an_ingestion_cut_by_a_restart_resumes(
    tmp_path: Path, git_root: Path, conformance: ResponseConformance
) -> None:
    # Data of its own: no other test's ingesting server may take the job over.
    # A slow git server: the first process is stopped while it is still downloading.
    with GitHttpServer(git_root, chunk_delay=0.5) as slow:
        env = {**ingesting_env(slow), "CHATCORE_RATE_LIMITS": "off"}
        first = ChatcoreServer(tmp_path, env).start()
        try:
            with client_of(first, conformance) as http:
                account = own_account(first, http)
                artifact = create(http, account, slow.url("team/large.git"))
                deadline = time.monotonic() + 10
                while slow.requests < 2 and time.monotonic() < deadline:  # refs, then the pack
                    time.sleep(0.05)
                assert slow.requests >= 2
        finally:
            first.stop()
        assert f"repository artifact {artifact['id']} ready" not in first.log()
        second = ChatcoreServer(tmp_path, env).start()
        try:
            with client_of(second, conformance) as http:
                done = settled(http, account, artifact)
        finally:
            second.stop()
        assert (done["metadata"]["status"], done["metadata"]["files_count"]) == (
            "ready", LARGE_COUNT,
        ), done  # fmt: skip
        assert f"repository artifact {artifact['id']} ready" in second.log()


def test_a_clean_shutdown_hands_the_job_back_for_an_immediate_resume(
    tmp_path: Path, git_root: Path, conformance: ResponseConformance
) -> None:
    # A lease far longer than the test may take: only a released job resumes in time.
    with GitHttpServer(git_root, chunk_delay=0.5) as slow:
        env = {**ingesting_env(slow), "CHATCORE_RATE_LIMITS": "off",
               "CHATCORE_REPOSITORY_LEASE_SECONDS": "120"}  # fmt: skip
        with own_server(tmp_path, env) as first, client_of(first, conformance) as http:
            account = own_account(first, http)
            artifact = create(http, account, slow.url("team/large.git"))
            deadline = time.monotonic() + 10
            while slow.requests < 2 and time.monotonic() < deadline:  # refs, then the pack
                time.sleep(0.05)
            assert slow.requests >= 2
        assert f"repository artifact {artifact['id']}: stopped for shutdown, released" in (
            first.log()
        )
        slow.chunk_delay = 0.0
        with own_server(tmp_path, env) as second, client_of(second, conformance) as http:
            done = settled(http, account, artifact, timeout=45)
        assert (done["metadata"]["status"], done["metadata"]["files_count"]) == (
            "ready", LARGE_COUNT,
        ), done  # fmt: skip


def test_two_processes_on_one_database_run_each_job_once(
    server: ChatcoreServer,
    ingester: ChatcoreServer,
    account: Account,
    other_account: Account,
    git_server: GitHttpServer,
    conformance: ResponseConformance,
) -> None:
    with sibling(server, **ingesting_env(git_server)) as other:
        with client_of(ingester, conformance) as one, client_of(other, conformance) as two:
            # Two users: one may have only 5 repositories pending at once.
            owners = [account, other_account]
            made = [(owners[n % 2], create(one if n % 2 else two, owners[n % 2],
                                           git_server.url("team/small.git")))
                    for n in range(8)]  # fmt: skip
            for owner, artifact in made:
                assert settled(one, owner, artifact)["metadata"]["status"] == "ready"
        logs = ingester.log() + other.log()
    for _, artifact in made:
        assert logs.count(f"repository artifact {artifact['id']} ready") == 1


def test_a_ready_repositorys_text_files_are_searchable(
    http: httpx.Client, account: Account, git_server: GitHttpServer
) -> None:
    artifact = create(http, account, git_server.url("team/small.git"))
    settled(http, account, artifact)

    def found(q: str) -> list[tuple[str, str | None]]:
        response = http.get("/chat/search", params={"q": q}, headers=account.headers)
        assert response.status_code == 200, response.text
        return [(r["artifact_id"], r["path"]) for r in response.json()["results"]]

    assert found("CAFE unicode") == [(artifact["id"], "README.md")]
    assert found("return") == [(artifact["id"], "src/app/deep/er/still/module.py")]
    assert found("png") == []  # the logo's bytes are not text
