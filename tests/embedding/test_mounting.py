"""chatcore mounted under /chat in a host Starlette app, served by a real uvicorn."""

import contextlib
import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import HTTPConnection
from starlette.routing import Mount
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

import chatcore
from adapters.argon2_hasher import Argon2Hasher
from chatcore_embed import Identity, MemoryOutbox, Runtime, build, create_app, lifespan
from tests.embedding.serving import serving

PASSWORD = "a long password"


@pytest.fixture
def outbox() -> MemoryOutbox:
    return MemoryOutbox()


@pytest.fixture
def runtime(outbox: MemoryOutbox) -> Iterator[Runtime]:
    cheap = Argon2Hasher(time_cost=1, memory_cost=64)
    with build(database_url="memory://", mailer=outbox, hasher=cheap) as built:
        yield built


def host_app(chat: Starlette, *, enter_lifespan: bool = True) -> Starlette:
    @contextlib.asynccontextmanager
    async def host_lifespan(app: Starlette) -> AsyncIterator[None]:
        if not enter_lifespan:
            yield
            return
        async with lifespan(chat):
            yield

    return Starlette(routes=[Mount("/chat", app=chat)], lifespan=host_lifespan)


def test_chatcores_own_tokens_work_under_the_prefix(runtime: Runtime, outbox: MemoryOutbox) -> None:
    app = host_app(create_app(runtime.core, inline_use_cases=runtime.in_process))
    with serving(app) as address, httpx.Client(base_url=f"http://{address}/chat") as client:
        body = {"username": "jane", "email": "jane@example.com", "password": PASSWORD}
        assert client.post("/users/", json=body).status_code == 200
        token = outbox.token("jane@example.com", "Verify")
        assert client.post("/auths/verify-email", params={"token": token}).status_code == 200
        login = client.post("/auths/login", data={"username": body["email"], "password": PASSWORD})
        assert login.status_code == 200, login.text
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        assert client.post("/chat/sessions", json={}, headers=bearer).status_code == 201
        assert client.post("/chat/sessions", json={}).status_code == 401
        url = f"ws://{address}/chat/chat/ws/general?token={login.json()['access_token']}"
        with connect(url, open_timeout=10) as socket:
            assert json.loads(socket.recv(timeout=10))["content"] == "jane joined the room"


def test_a_host_identity_replaces_tokens_and_chatcore_still_refuses_deactivated_accounts(
    runtime: Runtime,
) -> None:
    jane = runtime.core.auth.create_user("jane", "jane@example.com", PASSWORD, verified=True)
    people = {"jane-key": jane}

    async def identity(connection: HTTPConnection) -> chatcore.User | None:
        return people.get(connection.headers.get("x-host-key", ""))

    hook: Identity = identity
    app = host_app(create_app(runtime.core, identity=hook, inline_use_cases=True))
    with serving(app) as address, httpx.Client(base_url=f"http://{address}/chat") as client:
        as_jane = {"X-Host-Key": "jane-key"}
        assert client.get("/users/me", headers=as_jane).json()["id"] == jane.id
        assert client.get("/users/me", headers={"X-Host-Key": "nobody"}).status_code == 401
        # chatcore's own tokens are not what this host's callers present.
        signed_in = runtime.core.auth.login("jane@example.com", PASSWORD)
        bearer = {"Authorization": f"Bearer {signed_in.access.token}"}
        assert client.get("/users/me", headers=bearer).status_code == 401
        # The host still vouches for Jane after an admin deactivated her: chatcore says no.
        admin = runtime.core.auth.create_user(
            "admin", "admin@example.com", PASSWORD, chatcore.Role.ADMIN, verified=True
        )
        runtime.core.accounts.update(admin, jane.id, chatcore.UserChanges(active=False))
        assert client.get("/users/me", headers=as_jane).status_code == 401
        url = f"ws://{address}/chat/chat/ws/general"
        with connect(url, additional_headers=as_jane, open_timeout=10) as socket:
            with pytest.raises(ConnectionClosed) as closed:
                socket.recv(timeout=10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


def test_a_host_that_skips_the_lifespan_gets_a_clear_error(
    runtime: Runtime, capfd: pytest.CaptureFixture[str]
) -> None:
    runtime.core.auth.create_user("jane", "jane@example.com", PASSWORD, verified=True)
    app = host_app(create_app(runtime.core), enter_lifespan=False)
    with serving(app) as address, httpx.Client(base_url=f"http://{address}/chat") as client:
        login = client.post(
            "/auths/login", data={"username": "jane@example.com", "password": PASSWORD}
        )
    assert login.status_code == 500
    assert login.json() == {"detail": "Internal Server Error"}
    # uvicorn logs the reason (to stderr); the client learns nothing of it.
    assert "chatcore's lifespan is not running" in capfd.readouterr().err


def test_next_page_links_keep_the_hosts_prefix(runtime: Runtime) -> None:
    jane = runtime.core.auth.create_user("jane", "jane@example.com", PASSWORD, verified=True)
    for _ in range(3):
        runtime.core.sessions.create(jane)
    app = host_app(create_app(runtime.core, inline_use_cases=runtime.in_process))
    signed_in = runtime.core.auth.login("jane@example.com", PASSWORD)
    bearer = {"Authorization": f"Bearer {signed_in.access.token}"}
    with serving(app) as address, httpx.Client(base_url=f"http://{address}/chat") as client:
        first = client.get("/chat/sessions", params={"limit": 2}, headers=bearer)
        link = first.links["next"]["url"]
        assert link.startswith(f"http://{address}/chat/chat/sessions?limit=2&cursor=")
        rest = client.get(link, headers=bearer)
        assert rest.status_code == 200 and len(rest.json()) == 1
        assert "link" not in rest.headers
