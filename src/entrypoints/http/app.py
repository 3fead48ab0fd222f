"""The Starlette application factory."""

import contextlib
import json
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, Unpack

import anyio.to_thread
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Lifespan

from adapters.memory_broker import MemoryRoomBroker
from adapters.sqlite import SqliteDatabase
from chatcore.artifacts.model import Claim, TextClaim
from chatcore.core import ChatCore
from entrypoints.http import (
    api_docs,
    artifacts,
    auth,
    health,
    repositories,
    room_socket,
    rooms,
    search,
    sessions,
    users,
)
from entrypoints.http.client_address import PEERS, ClientAddresses
from entrypoints.http.edge import Edge
from entrypoints.http.errors import HANDLERS
from entrypoints.http.health import ReadinessCheck
from entrypoints.http.limits import RateLimits, limited_routes
from entrypoints.http.metrics import Metrics, metrics_routes
from entrypoints.http.offload import hashing_executor
from entrypoints.http.openapi.document import openapi_document
from entrypoints.http.origins import OriginPolicy
from entrypoints.http.ports import RoomBroker
from entrypoints.http.request_limits import DEFAULT_SIZES, RequestSizes
from entrypoints.http.request_log import AccessLog, LoggedLines, json_line, text_line
from entrypoints.http.room_hub import RoomHub
from entrypoints.http.room_sign_outs import BrokerSignOutNotices
from entrypoints.http.routing import IndexedRouter
from entrypoints.http.security import Identity
from entrypoints.http.write_turns import WriteTurns
from entrypoints.job_worker import JobWorker
from entrypoints.mail_sender import MailSender
from entrypoints.purge_worker import PurgeWorker
from entrypoints.search_indexer import SearchIndexer
from entrypoints.version import chatcore_version

if TYPE_CHECKING:  # bootstrap builds the app's parts with these modules: no import cycle
    from entrypoints.bootstrap import Runtime

# Every route is documented beside itself (see entrypoints/http/openapi/__init__.py):
# /openapi.json is generated from this table.
ROUTES: Sequence[BaseRoute] = [
    *health.routes,
    *api_docs.routes,
    *auth.routes,
    *users.routes,
    *sessions.routes,
    *artifacts.routes,
    *repositories.routes,
    *rooms.routes,
    *room_socket.routes,
    *search.routes,
]


class Background(Protocol):
    """Work of the database's own that runs beside the server, started and stopped with it."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class ChatcoreApp(Starlette):
    """Starlette, with the edge (entrypoints/http/edge.py) outermost.

    Outside ServerErrorMiddleware, which Starlette puts first: so a 500 carries the
    headers and the request id too, and an oversized request is refused before anything
    else runs.
    """

    def __init__(
        self,
        *,
        routes: Sequence[BaseRoute],
        lifespan: Lifespan[Any],
        edge: Callable[[ASGIApp], Edge],
        **options: Any,
    ) -> None:
        super().__init__(routes=routes, lifespan=lifespan, **options)
        self.router = IndexedRouter(routes=routes, lifespan=lifespan)
        self._edge = edge

    def build_middleware_stack(self) -> ASGIApp:
        return self._edge(super().build_middleware_stack())


class AppOptions(TypedDict, total=False):
    """What `create_app` takes besides the use cases; see its docstring."""

    on_shutdown: Callable[[], None] | None
    cors_origins: Sequence[str]
    room_origins: Sequence[str] | None
    room_sockets_per_user: int
    inline_use_cases: bool
    rate_limits: RateLimits | None
    request_sizes: RequestSizes
    client_addresses: ClientAddresses
    identity: Identity | None
    readiness: Mapping[str, ReadinessCheck] | None
    degradable: Mapping[str, ReadinessCheck] | None
    access_log: AccessLog | None
    log_format: str
    metrics: Metrics | None
    metrics_token: str | None
    ingestion: JobWorker[Claim] | None
    texts: JobWorker[TextClaim] | None
    mail: MailSender | None
    purge: PurgeWorker | None
    search_on: bool
    search_indexer: SearchIndexer | None
    room_broker: RoomBroker | None
    sign_outs: BrokerSignOutNotices | None
    checkpointer: Background | None


def runtime_options(runtime: "Runtime") -> AppOptions:
    """Everything `runtime` was built with for its app: the server `chatcore serve` runs."""
    settings = runtime.settings
    return AppOptions(
        on_shutdown=runtime.close,
        cors_origins=settings.cors_origins,
        room_origins=settings.room_origins,
        room_sockets_per_user=settings.room_sockets_per_user,
        inline_use_cases=runtime.in_process,
        rate_limits=runtime.rate_limits,
        request_sizes=runtime.request_sizes,
        client_addresses=runtime.client_addresses,
        readiness=runtime.readiness_checks(),
        degradable=runtime.optional_checks,
        log_format=settings.log_format,
        metrics=runtime.metrics,
        metrics_token=settings.metrics_token,
        ingestion=runtime.ingestion,
        texts=runtime.texts,
        mail=runtime.mail,
        purge=runtime.purge,
        search_on=settings.search,
        search_indexer=runtime.search_indexer,
        room_broker=runtime.room_broker,
        sign_outs=runtime.sign_outs,
        checkpointer=(
            runtime.database.checkpointer if isinstance(runtime.database, SqliteDatabase) else None
        ),
    )


def create_app(source: "ChatCore | Runtime", **options: Unpack[AppOptions]) -> Starlette:
    """The HTTP API over a built `Runtime` (as `chatcore serve` serves it), or a `ChatCore`.

    Given a `Runtime` (`chatcore_embed.build(...)`), every option comes from what it was
    built with: rate limits, request sizes, client addresses, metrics, readiness checks,
    its worker threads, and `on_shutdown=runtime.close`; options passed here replace those
    (a host passes `identity`, say). Given a `ChatCore`, the options are as below.
    """
    if isinstance(source, ChatCore):
        return _create_app(source, **options)
    merged = runtime_options(source)
    merged.update(options)
    return _create_app(source.core, **merged)


def _create_app(
    core: ChatCore,
    *,
    on_shutdown: Callable[[], None] | None = None,
    cors_origins: Sequence[str] = (),
    room_origins: Sequence[str] | None = None,
    room_sockets_per_user: int = 20,
    inline_use_cases: bool = False,
    rate_limits: RateLimits | None = None,
    request_sizes: RequestSizes = DEFAULT_SIZES,
    client_addresses: ClientAddresses = PEERS,
    identity: Identity | None = None,
    readiness: Mapping[str, ReadinessCheck] | None = None,
    degradable: Mapping[str, ReadinessCheck] | None = None,
    access_log: AccessLog | None = None,
    log_format: str = "json",
    metrics: Metrics | None = None,
    metrics_token: str | None = None,
    ingestion: JobWorker[Claim] | None = None,
    texts: JobWorker[TextClaim] | None = None,
    mail: MailSender | None = None,
    purge: PurgeWorker | None = None,
    search_on: bool = True,
    search_indexer: SearchIndexer | None = None,
    room_broker: RoomBroker | None = None,
    sign_outs: BrokerSignOutNotices | None = None,
    checkpointer: Background | None = None,
) -> Starlette:
    """The HTTP API over an already built `core`.

    `readiness`: the named checks /readyz runs (the database, storage, …).
    `degradable`: checks of what the server works on without (Redis, for the login
    throttle): one that fails makes /readyz "degraded", still 200.
    `access_log`: where the request lines go; by default the `chatcore.access` logger.
    `log_format`: request lines as JSON objects (`json`) or readable `text`.
    `metrics`: the figures `GET /metrics` serves (None: no such route); `metrics_token`,
    when set, the bearer token that route requires.
    `inline_use_cases`: call the use cases on the event loop, for adapters that do no
    network I/O (memory, SQLite); otherwise they run in worker threads.
    `rate_limits`: None turns every rate limit off (test harnesses, trusted callers).
    `ingestion`: the repository ingestion threads (`Runtime.ingestion`), started with the
    lifespan and stopped with it; without them repositories created here wait for another
    process to ingest them.
    `texts`: the text extraction threads (`Runtime.texts`), likewise.
    `mail`: the thread delivering the mail outbox (`Runtime.mail`), started and stopped
    with the lifespan; without it, queued emails wait for a process that runs one.
    `purge`: the daily purge of deleted things (`Runtime.purge`), likewise.
    `checkpointer`: the SQLite database's checkpoint thread, likewise; while it runs, no
    commit on the event loop copies the write-ahead log back (adapters/sqlite/checkpoints.py).
    `search_on`: serve `GET /chat/search` (False: it answers 404); `search_indexer`: the
    thread that indexes once what existed before the index (`Runtime.search_indexer`),
    started and stopped with the lifespan.
    `room_origins`: the origins whose pages may open room sockets besides the server's
    own (None: `cors_origins`; `*`: any); `room_sockets_per_user`: how many one user may
    hold open in this process (0: no cap).
    `room_broker`, `sign_outs`: the broker room events go over (`Runtime.room_broker`) and
    the sign-out notices published on it (`Runtime.sign_outs`); None: those the core's
    sign-out notices publish on, else a broker of this process alone.
    `identity`: for a host that authenticates callers itself — connection → User or None,
    used instead of chatcore's bearer tokens on every protected route and room socket.
    Mounted in a host app, this app's lifespan must be entered by the host: `lifespan`.
    """
    if room_broker is None:
        # A core built before the broker was the edge's (`create_app(runtime.core)`): its
        # sign-out notices know the broker its builder opened.
        notices = core.ports.sign_outs
        sign_outs = notices if isinstance(notices, BrokerSignOutNotices) else None
        room_broker = MemoryRoomBroker() if sign_outs is None else sign_outs.broker

    @contextlib.asynccontextmanager
    async def chatcore_lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.hashing_executor = hashing_executor()
        if checkpointer is not None:
            checkpointer.start()
        await app.state.room_hub.start()
        for worker in (ingestion, texts):
            if worker is not None:
                worker.start()
        if mail is not None:
            mail.start()
        if purge is not None:
            purge.start()
        if search_indexer is not None:
            search_indexer.start()
        try:
            yield
        finally:
            if search_indexer is not None:
                await anyio.to_thread.run_sync(search_indexer.stop)
            if purge is not None:
                await anyio.to_thread.run_sync(purge.stop)
            for worker in (ingestion, texts):
                if worker is not None:
                    # Joining threads blocks: off the loop, which still serves the goodbyes.
                    await anyio.to_thread.run_sync(worker.stop)
            if mail is not None:
                await anyio.to_thread.run_sync(mail.stop)
            await app.state.room_hub.close()
            if rate_limits is not None:
                await rate_limits.close()
            app.state.hashing_executor.shutdown(wait=True, cancel_futures=True)
            if checkpointer is not None:
                await anyio.to_thread.run_sync(checkpointer.stop)
            if on_shutdown is not None:
                on_shutdown()
            lines.flush()

    lines = LoggedLines() if access_log is None else access_log
    # Use cases on the loop: writes take turns with reads (use cases in threads need not).
    write_turns = WriteTurns() if inline_use_cases else None
    render = text_line if log_format == "text" else json_line
    middleware = []
    if cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(cors_origins),
                allow_methods=["*"],
                allow_headers=["Authorization", "Content-Type"],
                # A browser hands a script only the headers listed here: the next page too.
                expose_headers=["Link"],
            )
        )
    served = [*ROUTES, *(metrics_routes() if metrics is not None else ())]
    routes = served if rate_limits is None else limited_routes(served, rate_limits)
    app = ChatcoreApp(
        routes=routes,
        middleware=middleware,
        exception_handlers=HANDLERS,
        lifespan=chatcore_lifespan,
        edge=lambda inner: Edge(inner, request_sizes, lines, render, metrics, write_turns),
    )
    app.state.core = core
    app.state.inline_use_cases = inline_use_cases
    app.state.rate_limits = rate_limits
    app.state.identity = identity
    app.state.lifespan = chatcore_lifespan
    app.state.request_sizes = request_sizes
    app.state.client_addresses = client_addresses
    app.state.room_hub = RoomHub(room_broker, metrics, sign_outs)
    app.state.room_origins = OriginPolicy.of(cors_origins if room_origins is None else room_origins)
    app.state.room_sockets_per_user = room_sockets_per_user
    app.state.metrics = metrics
    app.state.metrics_token = metrics_token
    app.state.readiness = dict(readiness or {})
    app.state.degradable = dict(degradable or {})
    app.state.ingestion = ingestion
    app.state.search_on = search_on
    app.state.texts = texts
    document = openapi_document(app.routes, title="chatcore", version=chatcore_version())
    app.state.openapi = json.dumps(document).encode()
    return app


def lifespan(app: Starlette) -> AbstractAsyncContextManager[None]:
    """The startup and shutdown of a chatcore `app`, for a host that mounts it.

    Starlette runs the lifespan of the outer app only; a host enters this one inside its
    own (`async with lifespan(chat_app): yield`), which starts the room hub and the
    password-hashing threads, and stops them on the way out.
    """
    context: AbstractAsyncContextManager[None] = app.state.lifespan(app)
    return context
