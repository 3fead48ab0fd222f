"""The Starlette application factory."""

import contextlib
import json
from collections.abc import AsyncIterator, Callable, Mapping, Sequence

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute

from chatcore.core import ChatCore
from entrypoints.http import api_docs, auth, health, room_socket, rooms, sessions, users
from entrypoints.http.errors import HANDLERS
from entrypoints.http.health import ReadinessCheck
from entrypoints.http.offload import hashing_executor
from entrypoints.http.openapi.document import openapi_document
from entrypoints.http.request_log import RequestLog
from entrypoints.http.room_hub import RoomHub
from entrypoints.version import chatcore_version

# Every route is documented beside itself (see entrypoints/http/openapi/__init__.py):
# /openapi.json is generated from this table.
ROUTES: Sequence[BaseRoute] = [
    *health.routes,
    *api_docs.routes,
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
    readiness: Mapping[str, ReadinessCheck] | None = None,
) -> Starlette:
    """The HTTP API over an already built `core`.

    `readiness`: the named checks /readyz runs (the database, storage, …).
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

    # Outermost: it times the whole request and answers a crash with the request id.
    middleware = [Middleware(RequestLog)]
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
    app.state.readiness = dict(readiness or {})
    document = openapi_document(app.routes, title="chatcore", version=chatcore_version())
    app.state.openapi = json.dumps(document).encode()
    return app
