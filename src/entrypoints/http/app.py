"""The Starlette application factory."""

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from chatcore.core import ChatCore
from entrypoints.http import artifacts, auth, room_socket, rooms, sessions, users
from entrypoints.http.errors import HANDLERS
from entrypoints.http.offload import hashing_executor
from entrypoints.http.room_hub import RoomHub


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


ROUTES: Sequence[BaseRoute] = [
    Route("/healthz", healthz, methods=["GET"]),
    *auth.routes,
    *users.routes,
    *sessions.routes,
    *artifacts.routes,
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
) -> Starlette:
    """The HTTP API over an already built `core`.

    `inline_use_cases`: call the use cases on the event loop, for adapters that do no
    network I/O (memory, SQLite); otherwise they run in worker threads.
    `rate_limits`: False turns every rate limit off (test harnesses, trusted callers).
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
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
        lifespan=lifespan,
    )
    app.state.core = core
    app.state.inline_use_cases = inline_use_cases
    app.state.rate_limits = rate_limits
    app.state.room_hub = RoomHub(core.ports.room_broker)
    return app
