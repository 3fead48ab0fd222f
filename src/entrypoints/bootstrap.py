"""The composition root: the only place that knows which adapter serves which port."""

import contextlib
import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, Unpack

import attrs

from adapters.argon2_hasher import Argon2Hasher
from adapters.clock import SystemClock
from adapters.dulwich_git import DulwichRepositoryFetcher
from adapters.jwt_tokens import JwtTokenService
from adapters.log_audit import LoggedAuditLog
from adapters.log_mail import LogMailer
from adapters.memory.failure_counters import MemoryFailureCounters
from adapters.memory.rate_limiter import MemoryRateLimiter
from adapters.memory_broker import MemoryRoomBroker
from adapters.no_search import NoSearchIndex
from adapters.object_ids import ObjectIdGenerator
from adapters.smtp_mail import SmtpMailer
from adapters.text_extraction import IsolatedTextExtractor
from chatcore.accounts.emails import AccountEmails
from chatcore.accounts.ports import (
    OneTimeTokenStore,
    PasswordHasher,
    SignOutNotices,
    TokenService,
    UserRepository,
)
from chatcore.accounts.throttle import Backoff, LoginThrottle
from chatcore.artifacts.library import ArtifactLimits
from chatcore.artifacts.model import Claim, TextClaim
from chatcore.artifacts.ports import (
    ArtifactFileRepository,
    ArtifactRepository,
    ObjectStore,
    TextExtractor,
    TextJobs,
)
from chatcore.chats.ports import MessageRepository, SessionDependents, SessionRepository
from chatcore.core import ChatCore
from chatcore.mail.delivery import MailDelivery, QueuedMailer
from chatcore.mail.ports import Mailer, MailQueue, MailTransport
from chatcore.ports import Ports
from chatcore.repositories.ports import RepositoryFetcher
from chatcore.repositories.sources import RepositoryUrlPolicy
from chatcore.rooms.ports import RoomMessageRepository
from chatcore.search.indexing import SearchBackfill
from chatcore.search.ports import SearchIndex, SearchSources
from chatcore.shared.ports import AuditLog, Clock, IdGenerator
from chatcore.shared.unit_of_work import UnitOfWork
from chatcore.upkeep.ports import PeriodicJobs
from entrypoints.config import Settings
from entrypoints.extras import require_extra
from entrypoints.http.client_address import PEERS, ClientAddresses
from entrypoints.http.limits import RateLimits
from entrypoints.http.metrics import CountedAuditLog, Metrics
from entrypoints.http.ports import RateLimiter, RoomBroker
from entrypoints.http.request_limits import DEFAULT_SIZES, RequestSizes
from entrypoints.http.room_sign_outs import BrokerSignOutNotices
from entrypoints.job_worker import JobWorker, repository_ingestion, text_extraction
from entrypoints.mail_sender import MailSender
from entrypoints.purge_worker import PurgeWorker, log_progress
from entrypoints.search_indexer import SearchIndexer
from entrypoints.search_indexer import log_progress as log_indexing

if TYPE_CHECKING:  # imported when used: only a configured Redis needs the client library
    from adapters.redis_failure_counters import RedisFailureCounters


class Database(Protocol):
    """What the composition root needs of a database adapter, besides its repositories.

    Its repositories are attributes named as the ports they serve (`users`, `sessions`,
    `unit_of_work`, …): every field of `Ports` that `FACTORIES` does not name is the
    database's attribute of that name, so a new repository port needs no line here.
    """

    @property
    def in_process(self) -> bool:
        """True when the database lives in this process and answers without network I/O."""
        ...

    @property
    def mail_queue(self) -> MailQueue: ...

    @property
    def periodic_jobs(self) -> PeriodicJobs: ...

    @property
    def search(self) -> SearchIndex:
        """Named here as well: the factory of `search` chooses between it and none."""
        ...

    def object_store(self) -> ObjectStore | None:
        """The object storage that lives where this database does (GridFS, memory), if any."""
        ...

    def ping(self) -> None: ...

    def close(self) -> None: ...


class PortOverrides(TypedDict, total=False):
    """Adapters a caller supplies instead of those the settings name: one key per field of
    `chatcore.Ports` (tests/embedding/test_composition.py holds them to exactly those)."""

    users: UserRepository
    one_time_tokens: OneTimeTokenStore
    tokens: TokenService
    hasher: PasswordHasher
    mailer: Mailer
    clock: Clock
    ids: IdGenerator
    sessions: SessionRepository
    messages: MessageRepository
    room_messages: RoomMessageRepository
    audit: AuditLog
    artifacts: ArtifactRepository
    artifact_files: ArtifactFileRepository
    objects: ObjectStore
    repository_fetcher: RepositoryFetcher
    search: SearchIndex
    search_sources: SearchSources
    text_jobs: TextJobs
    text_extractor: TextExtractor
    session_dependents: Sequence[SessionDependents]
    unit_of_work: UnitOfWork
    sign_outs: SignOutNotices


# Overrides that cannot make a use case wait on the network: anything else a host passes
# may do I/O, so the HTTP app then runs use cases in worker threads, off the event loop.
# The repository fetcher and the text extractor are too: only background threads call them.
_LOCAL_PORTS = frozenset({"hasher", "clock", "ids", "repository_fetcher", "text_extractor"})


@attrs.define
class Parts:
    """What the factories build from: the settings, the database, the edge's parts, and
    each port as it is resolved (an override, else its factory's, else the database's)."""

    settings: Settings
    database: Database
    broker: RoomBroker
    metrics: Metrics | None
    overrides: Mapping[str, object]
    # Set by the mailer's factory: the thread delivering the outbox it queues into.
    mail: MailSender | None = None
    _built: dict[str, Any] = attrs.field(factory=dict)

    def port(self, name: str) -> Any:
        """The adapter serving the port `name`, built (once) when first asked for."""
        if name not in self._built:
            if name in self.overrides:
                adapter: Any = self.overrides[name]
            elif name in FACTORIES:
                adapter = FACTORIES[name](self)
            else:
                adapter = getattr(self.database, name)
            wrap = WRAPPERS.get(name)
            self._built[name] = adapter if wrap is None else wrap(self, adapter)
        return self._built[name]

    def ports(self) -> Ports:
        return Ports(**{field.name: self.port(field.name) for field in attrs.fields(Ports)})


def _queued_mailer(parts: Parts) -> Mailer:
    """Emails go to the database's outbox; `Runtime.mail` delivers them in the background."""
    queue = parts.database.mail_queue
    clock, ids = parts.port("clock"), parts.port("ids")
    parts.mail = MailSender(
        MailDelivery(queue, open_mailer(parts.settings), clock, ids, parts.port("audit"))
    )
    return QueuedMailer(queue, clock, ids, on_queued=parts.mail.wake)


def _observed_audit(parts: Parts, audit: AuditLog) -> AuditLog:
    """Whoever keeps the events, operators also read them in the log (and count them)."""
    logged = LoggedAuditLog(audit)
    return logged if parts.metrics is None else CountedAuditLog(logged, parts.metrics)


Factory = Callable[[Parts], Any]

# The default adapter of each port the database does not serve. A port overridden is
# never built: the default key may live in a file, a mailer may open connections.
FACTORIES: Mapping[str, Factory] = {
    "tokens": lambda parts: JwtTokenService(secret_key(parts.settings)),
    "hasher": lambda parts: Argon2Hasher(),
    "mailer": _queued_mailer,
    "clock": lambda parts: SystemClock(),
    "ids": lambda parts: ObjectIdGenerator(),
    "objects": lambda parts: open_object_store(
        parts.settings.storage_url, parts.settings.data_dir, parts.database
    ),
    "repository_fetcher": lambda parts: DulwichRepositoryFetcher(
        parts.settings.data_dir / "tmp" / "git"
    ),
    "text_extractor": lambda parts: IsolatedTextExtractor(parts.settings.data_dir / "tmp" / "text"),
    "session_dependents": lambda parts: (parts.port("artifacts"),),
    # Over the broker the room sockets are on, whichever it is.
    "sign_outs": lambda parts: BrokerSignOutNotices(parts.broker),
    # The database's own index, unless the deployment does not search.
    "search": lambda parts: parts.database.search if parts.settings.search else NoSearchIndex(),
}
# What wraps a port whoever serves it, the database or a host.
WRAPPERS: Mapping[str, Callable[[Parts, Any], Any]] = {"audit": _observed_audit}


@attrs.define(kw_only=True)
class Runtime:
    """A built chatcore: the use cases, the parts of its HTTP app, and the resources to
    check and release. `create_app(runtime)` serves it as `chatcore serve` does."""

    core: ChatCore
    database: Database
    settings: Settings = attrs.field(factory=Settings)
    # True when every use case answers without network I/O (memory or SQLite, no host
    # adapter): the HTTP app may then call them on the event loop.
    in_process: bool
    # Built, not started: a host (or the HTTP app's lifespan) starts it. None when the
    # settings give this process no ingestion threads (CHATCORE_REPOSITORY_WORKERS=0).
    ingestion: JobWorker[Claim] | None = None
    # Built, not started, like `ingestion`: extracts the text of uploaded documents. None
    # with CHATCORE_TEXT_WORKERS=0.
    texts: JobWorker[TextClaim] | None = None
    # Built, not started, like `ingestion`: delivers the mail outbox. None when a host
    # supplied its own mailer (its emails then go out as they are sent).
    mail: MailSender | None = None
    # Built, not started, as `ingestion`: the daily purge of deleted things.
    purge: PurgeWorker | None = None
    # Built, not started, as `ingestion`: indexes once what existed before the search
    # index did. None with CHATCORE_SEARCH=off.
    search_indexer: SearchIndexer | None = None
    # The object storage the artifacts are in (for /readyz and `chatcore backup`).
    objects: ObjectStore
    # The edge's: room events and sign-outs between server processes. Started by the
    # app's room hub.
    room_broker: RoomBroker = attrs.field(factory=MemoryRoomBroker)
    # The notices the room hub binds to its loop; None when a host brought its own.
    sign_outs: BrokerSignOutNotices | None = None
    # GET /metrics (None: CHATCORE_METRICS=off); the audit log already counts into it.
    metrics: Metrics | None = None
    # None: CHATCORE_RATE_LIMITS=off.
    rate_limits: RateLimits | None = None
    client_addresses: ClientAddresses = PEERS
    request_sizes: RequestSizes = DEFAULT_SIZES

    # Dependencies the server works on without, less well (the Redis of the login
    # throttle fails open): /readyz names them "degraded" when down, and stays 200.
    optional_checks: dict[str, Callable[[], None]] = attrs.field(factory=dict)

    def readiness_checks(self) -> dict[str, Callable[[], None]]:
        """What /readyz probes, by name: each returns when its dependency answers."""
        return {"database": self.database.ping, "storage": self.objects.ping}

    def close(self) -> None:
        if self.ingestion is not None:
            self.ingestion.stop()
        if self.texts is not None:
            self.texts.stop()
        if self.mail is not None:
            self.mail.stop()
        if self.purge is not None:
            self.purge.stop()
        if self.search_indexer is not None:
            self.search_indexer.stop()
        self.database.close()

    def __enter__(self) -> "Runtime":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def build(
    settings: Settings | None = None,
    *,
    database_url: str | None = None,
    storage_url: str | None = None,
    broker_url: str | None = None,
    room_broker: RoomBroker | None = None,
    database: Database | None = None,
    **overrides: Unpack[PortOverrides],
) -> Runtime:
    """Build every adapter that `settings` names and wire the use cases to them.

    The server, the CLI and embedding hosts all come through here. Without `settings`
    the defaults apply (as for `chatcore serve` with no CHATCORE_* variables); the URL
    arguments replace the settings' own, `room_broker` the broker `broker_url` names,
    `database` (an adapter already opened) the one `database_url` names, and `overrides`
    replace single adapters.
    """
    settings = settings or Settings()
    settings = attrs.evolve(
        settings,
        database_url=database_url or settings.database_url,
        storage_url=storage_url or settings.storage_url,
        broker_url=broker_url or settings.broker_url,
    )
    # A malformed prefix is a configuration error: better refuse to start than to guess.
    try:
        repository_policy = RepositoryUrlPolicy.from_prefixes(settings.repository_allowed_urls)
    except ValueError as error:
        raise ValueError(f"CHATCORE_REPOSITORY_ALLOWED_URLS: {error}") from None
    if settings.repository_workers < 0:
        raise ValueError("CHATCORE_REPOSITORY_WORKERS must be 0 or more")
    if settings.text_workers < 0:
        raise ValueError("CHATCORE_TEXT_WORKERS must be 0 or more")
    if settings.purge_after_days < 0:
        raise ValueError("CHATCORE_PURGE_AFTER_DAYS must be 0 or more")
    if database is None:
        database = open_database(settings.database_url, settings.data_dir)
    try:
        parts = Parts(
            settings=settings,
            database=database,
            broker=open_broker(settings.broker_url) if room_broker is None else room_broker,
            metrics=Metrics() if settings.metrics else None,
            overrides=overrides,
        )
        ports = parts.ports()
        throttle = None
        optional_checks: dict[str, Callable[[], None]] = {}
        addresses = ClientAddresses(settings.trusted_proxies)
        rate_limits = None
        if settings.rate_limits:
            max_backoff = timedelta(seconds=settings.login_max_backoff)
            counters = open_failure_counters(settings)
            if not isinstance(counters, MemoryFailureCounters):
                optional_checks["redis"] = counters.ping
            throttle = LoginThrottle(
                counters,
                ports.clock,
                per_account=Backoff(settings.login_free_failures, cap=max_backoff),
                per_address=Backoff(settings.login_address_free_failures, cap=max_backoff),
            )
            rate_limits = RateLimits(
                limiter=open_rate_limiter(settings),
                rates=settings.rates,
                addresses=addresses,
                tokens=ports.tokens,
                metrics=parts.metrics,
            )
    except BaseException:
        database.close()
        raise
    core = ChatCore.from_ports(
        ports,
        emails=AccountEmails(public_url=settings.public_url),
        login_throttle=throttle,
        artifact_limits=ArtifactLimits(
            max_upload_bytes=settings.max_upload_bytes,
            repository_policy=repository_policy,
        ),
        repository_limits=settings.repository_limits,
        ingestion_lease=timedelta(seconds=settings.repository_lease_seconds),
        text_limits=settings.text_limits,
        text_lease=timedelta(seconds=settings.text_lease_seconds),
        purge_after=timedelta(days=settings.purge_after_days),
    )
    if parts.metrics is not None:
        parts.metrics.watch_backlogs(
            core.ingestion.backlog, None if parts.mail is None else parts.mail.delivery.backlog
        )
    ingestion = None
    if settings.repository_workers > 0:
        ingestion = JobWorker(
            repository_ingestion(core.ingestion),
            settings.repository_workers,
            settings.repository_poll_seconds,
        )
    texts = None
    if settings.text_workers > 0:
        texts = JobWorker(
            text_extraction(core.texts), settings.text_workers, settings.text_poll_seconds
        )
    core.purge.progress = log_progress
    backfill = SearchBackfill(
        ports.search_sources,
        ports.search,
        ports.artifacts,
        ports.artifact_files,
        ports.objects,
        report=log_indexing,
    )
    if not settings.search:
        # What is written from now on goes unindexed: search, turned on again, catches up.
        backfill.restart()
    sign_outs = ports.sign_outs
    return Runtime(
        core=core,
        database=database,
        settings=settings,
        in_process=database.in_process and overrides.keys() <= _LOCAL_PORTS,
        ingestion=ingestion,
        texts=texts,
        mail=parts.mail,
        purge=PurgeWorker(core.purge, database.periodic_jobs),
        search_indexer=SearchIndexer(backfill) if settings.search else None,
        objects=ports.objects,
        room_broker=parts.broker,
        sign_outs=sign_outs if isinstance(sign_outs, BrokerSignOutNotices) else None,
        metrics=parts.metrics,
        rate_limits=rate_limits,
        client_addresses=addresses,
        request_sizes=RequestSizes(
            max_json_bytes=settings.max_json_bytes,
            max_url_bytes=settings.max_url_bytes,
            max_header_bytes=settings.max_header_bytes,
        ),
        optional_checks=optional_checks,
    )


def private_folder(path: Path) -> None:
    """Make the data dir (or the database's folder) 0700 when it does not exist yet.

    Under the usual umask a new folder is world-readable, and with it the names of what
    it holds. One that exists is left as its owner made it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.mkdir(mode=0o700, exist_ok=True)


def open_database(url: str | None, data_dir: Path) -> Database:
    """A database adapter for `sqlite:///PATH`, `mongodb://…` or `memory://`."""
    if url is None:
        url = f"sqlite:///{data_dir / 'chatcore.sqlite3'}"
    if url.startswith("sqlite:///"):
        from adapters.sqlite import SqliteDatabase

        path = Path(url.removeprefix("sqlite:///"))
        private_folder(path.parent)
        return SqliteDatabase(str(path))
    if url.startswith(("mongodb://", "mongodb+srv://")):
        require_extra("pymongo", "mongo", "CHATCORE_DATABASE_URL=mongodb://…")
        from adapters.mongo import MongoDatabase

        return MongoDatabase.from_url(url)
    if url == "memory://":
        from adapters.memory import MemoryDatabase

        return MemoryDatabase()
    scheme = url.partition(":")[0]
    raise ValueError(
        f"CHATCORE_DATABASE_URL: unsupported scheme {scheme!r}"
        " (use sqlite:///PATH, mongodb://… or memory://)"
    )


def open_object_store(url: str | None, data_dir: Path, database: Database) -> ObjectStore:
    """Object storage for `file:///PATH`, `memory://` or `gridfs://` (the Mongo database's).

    Unset: GridFS when the database is MongoDB (so that every server shares the same
    files), memory when the database is (it keeps nothing either), else a folder in the
    data dir.
    """
    if url is None:
        own = database.object_store()
        if own is not None:
            return own
        url = f"file://{(data_dir / 'storage').resolve()}"
    if url.startswith("file://"):
        from adapters.filesystem import FileObjectStore

        return FileObjectStore(Path(url.removeprefix("file://")))
    if url == "memory://":
        from adapters.memory import MemoryObjectStore

        return MemoryObjectStore()
    if url == "gridfs://":
        from adapters.mongo import MongoDatabase

        if not isinstance(database, MongoDatabase):
            raise ValueError("CHATCORE_STORAGE_URL=gridfs:// needs a mongodb:// database URL")
        return database.object_store()
    raise ValueError(
        f"CHATCORE_STORAGE_URL: unsupported scheme {url.partition(':')[0]!r}"
        " (use file:///PATH, memory:// or gridfs://)"
    )


def open_broker(url: str) -> RoomBroker:
    """The room broker for `memory://` (one process) or `redis://…` (several)."""
    if url == "memory://":
        return MemoryRoomBroker()
    if url.startswith(("redis://", "rediss://", "unix://")):
        require_extra("redis", "redis", "CHATCORE_BROKER_URL=redis://…")
        from adapters.redis_broker import RedisRoomBroker

        return RedisRoomBroker(url)
    raise ValueError(
        f"CHATCORE_BROKER_URL: unsupported scheme {url.partition(':')[0]!r}"
        " (use memory:// or redis://…)"
    )


def open_failure_counters(settings: Settings) -> "MemoryFailureCounters | RedisFailureCounters":
    """Login failures counted in this process, or in the shared Redis."""
    url = settings.shared_limits_url
    if url is None:
        return MemoryFailureCounters()
    require_extra("redis", "redis", "Login throttling counted in Redis")
    from adapters.redis_failure_counters import RedisFailureCounters

    return RedisFailureCounters(url)


def open_rate_limiter(settings: Settings) -> RateLimiter:
    """Counts in this process, or in the Redis every process shares (see shared_limits_url)."""
    url = settings.shared_limits_url
    if url is None:
        return MemoryRateLimiter()
    if url.startswith(("redis://", "rediss://", "unix://")):
        require_extra("redis", "redis", "CHATCORE_RATE_LIMIT_URL=redis://…")
        from adapters.redis_rate_limiter import RedisRateLimiter

        return RedisRateLimiter(url)
    raise ValueError(
        f"CHATCORE_RATE_LIMIT_URL: unsupported scheme {url.partition(':')[0]!r}"
        " (use memory:// or redis://…)"
    )


def open_mailer(settings: Settings) -> MailTransport:
    """Where queued emails go: the SMTP server the settings name, else the log."""
    if settings.smtp_url is None:
        return LogMailer()
    return SmtpMailer(settings.smtp_url, settings.mail_from, settings.smtp_timeout_seconds)


def secret_key(settings: Settings) -> str:
    """The configured key; else one generated once and kept in the data dir.

    Keeping it lets a restart keep everyone signed in. A memory:// database keeps nothing,
    so it gets a fresh key and writes no file.
    """
    if settings.secret_key is not None:
        return settings.secret_key
    if settings.database_url == "memory://":
        return secrets.token_urlsafe(48)
    path = settings.data_dir / "secret_key"
    if not path.exists():
        private_folder(path.parent)
        draft = path.with_name(f".secret_key.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(secrets.token_urlsafe(48))
        # link() publishes the whole file or fails if another process was first: a reader
        # never sees a half-written key, and two processes never end up with two keys.
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
        draft.unlink()
    key = path.read_text(encoding="ascii").strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it to generate a new key")
    return key
