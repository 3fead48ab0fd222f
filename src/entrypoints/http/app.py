"""The Starlette application factory."""

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from chatcore.core import ChatCore
from entrypoints.http import auth, room_socket, rooms, sessions, users
from entrypoints.http.errors import HANDLERS
from entrypoints.http.offload import hashing_executor
from entrypoints.http.room_hub import RoomHub
from entrypoints.http.security import Identity


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


ROUTES: Sequence[BaseRoute] = [
    Route("/healthz", healthz, methods=["GET"]),
    *auth.routes,
    *users.routes,
    *sessions.routes,
    *rooms.routes,
    *room_socket.routes,
]


def create_app(
    core: ChatCore,
    *,
    on_shutdown: Callable[[], None] | None = None,
    cors_origins: Sequence[str] = (),
    inline_use_cases: bool = False,
    rate_limits: bool = True,
    identity: Identity | None = None,
) -> Starlette:
    """The HTTP API over an already built `core`.

    `inline_use_cases`: call the use cases on the event loop, for adapters that do no
    network I/O (memory, SQLite); otherwise they run in worker threads.
    `rate_limits`: False turns every rate limit off (test harnesses, trusted callers).
    `identity`: for a host that authenticates callers itself — connection → User or None,
    used instead of chatcore's bearer tokens on every protected route and room socket.
    Mounted in a host app, this app's lifespan must be entered by the host: `lifespan`.
    """

    @contextlib.asynccontextmanager
    async def chatcore_lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.hashing_executor = hashing_executor()
        await app.state.room_hub.start()
        try:
            yield
        finally:
            await app.state.room_hub.close()
            app.state.hashing_executor.shutdown(wait=True, cancel_futures=True)
            if on_shutdown is not None:
                on_shutdown()

    middleware = []
    if cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(cors_origins),
                allow_methods=["*"],
                allow_headers=["Authorization", "Content-Type"],
            )
        )
    app = Starlette(
        routes=list(ROUTES),
        middleware=middleware,
        exception_handlers=HANDLERS,
        lifespan=chatcore_lifespan,
    )
    app.state.core = core
    app.state.inline_use_cases = inline_use_cases
    app.state.rate_limits = rate_limits
    app.state.identity = identity
    app.state.lifespan = chatcore_lifespan
    app.state.room_hub = RoomHub(core.ports.room_broker)
    return app


def lifespan(app: Starlette) -> AbstractAsyncContextManager[None]:
    """The startup and shutdown of a chatcore `app`, for a host that mounts it.

    Starlette runs the lifespan of the outer app only; a host enters this one inside its
    own (`async with lifespan(chat_app): yield`), which starts the room hub and the
    password-hashing threads, and stops them on the way out.
    """
    context: AbstractAsyncContextManager[None] = app.state.lifespan(app)
    return context
