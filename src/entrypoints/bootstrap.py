"""The composition root: the only place that knows which adapter serves which port."""

import contextlib
import os
import secrets
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypedDict, Unpack

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
from adapters.object_ids import ObjectIdGenerator
from adapters.room_sign_outs import BrokerSignOutNotices
from adapters.smtp_mail import SmtpMailer
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
from chatcore.artifacts.ports import ArtifactFileRepository, ArtifactRepository, ObjectStore
from chatcore.chats.ports import MessageRepository, SessionDependents, SessionRepository
from chatcore.core import ChatCore
from chatcore.mail.delivery import MailDelivery, QueuedMailer
from chatcore.mail.ports import Mailer, MailQueue, MailTransport
from chatcore.ports import Ports
from chatcore.repositories.ports import RepositoryFetcher
from chatcore.repositories.sources import RepositoryUrlPolicy
from chatcore.rooms.ports import RoomBroker, RoomMessageRepository
from chatcore.search.ports import SearchIndex, SearchSources
from chatcore.shared.ports import AuditLog, Clock, IdGenerator
from chatcore.shared.unit_of_work import UnitOfWork
from chatcore.upkeep.ports import PeriodicJobs
from entrypoints.extras import require_extra
from entrypoints.http.ports import RateLimiter
from entrypoints.ingestion_worker import IngestionWorker
from entrypoints.mail_sender import MailSender
from entrypoints.purge_worker import PurgeWorker, log_progress
from entrypoints.settings import Settings

if TYPE_CHECKING:  # imported when used: only a configured Redis needs the client library
    from adapters.redis_failure_counters import RedisFailureCounters
    from entrypoints.http.metrics import Metrics


class Database(Protocol):
    """What the composition root needs of a database adapter: its repositories, and upkeep."""

    @property
    def in_process(self) -> bool:
        """True when the database lives in this process and answers without network I/O."""
        ...

    @property
    def users(self) -> UserRepository: ...

    @property
    def one_time_tokens(self) -> OneTimeTokenStore: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def messages(self) -> MessageRepository: ...

    @property
    def room_messages(self) -> RoomMessageRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def artifacts(self) -> ArtifactRepository: ...

    @property
    def artifact_files(self) -> ArtifactFileRepository: ...

    @property
    def mail_queue(self) -> MailQueue: ...

    @property
    def unit_of_work(self) -> UnitOfWork: ...

    @property
    def periodic_jobs(self) -> PeriodicJobs: ...

    @property
    def search(self) -> SearchIndex: ...

    @property
    def search_sources(self) -> SearchSources: ...

    def object_store(self) -> ObjectStore | None:
        """The object storage that lives where this database does (GridFS, memory), if any."""
        ...

    def ping(self) -> None: ...

    def close(self) -> None: ...


class PortOverrides(TypedDict, total=False):
    """Adapters a caller supplies instead of those the settings name: one key per port."""

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
    room_broker: RoomBroker
    session_dependents: Sequence[SessionDependents]
    audit: AuditLog
    artifacts: ArtifactRepository
    artifact_files: ArtifactFileRepository
    objects: ObjectStore
    repository_fetcher: RepositoryFetcher
    search: SearchIndex
    search_sources: SearchSources
    sign_outs: SignOutNotices


# Overrides that cannot make a use case wait on the network: anything else a host passes
# may do I/O, so the HTTP app then runs use cases in worker threads, off the event loop.
# The repository fetcher is one too: only the ingestion threads call it, never a request.
_LOCAL_PORTS = frozenset({"hasher", "clock", "ids", "repository_fetcher"})


@attrs.define
class Runtime:
    """A built chatcore: the use cases, and the resources to check and release."""

    core: ChatCore
    database: Database
    # True when every use case answers without network I/O (memory or SQLite, no host
    # adapter): the HTTP app may then call them on the event loop.
    in_process: bool
    # Built, not started: a host (or the HTTP app's lifespan) starts it. None when the
    # settings give this process no ingestion threads (CHATCORE_REPOSITORY_WORKERS=0).
    ingestion: IngestionWorker | None = None
    # Built, not started, like `ingestion`: delivers the mail outbox. None when a host
    # supplied its own mailer (its emails then go out as they are sent).
    mail: MailSender | None = None
    # Built, not started, as `ingestion`: the daily purge of deleted things.
    purge: PurgeWorker | None = None

    # Dependencies the server works on without, less well (the Redis of the login
    # throttle fails open): /readyz names them "degraded" when down, and stays 200.
    optional_checks: dict[str, Callable[[], None]] = attrs.field(factory=dict)

    def readiness_checks(self) -> dict[str, Callable[[], None]]:
        """What /readyz probes, by name: each returns when its dependency answers."""
        return {"database": self.database.ping, "storage": self.core.ports.objects.ping}

    def close(self) -> None:
        if self.ingestion is not None:
            self.ingestion.stop()
        if self.mail is not None:
            self.mail.stop()
        if self.purge is not None:
            self.purge.stop()
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
    metrics: "Metrics | None" = None,
    **overrides: Unpack[PortOverrides],
) -> Runtime:
    """Build every adapter that `settings` names and wire the use cases to them.

    The server, the CLI and embedding hosts all come through here. Without `settings`
    the defaults apply (as for `chatcore serve` with no CHATCORE_* variables); the URL
    arguments replace the settings' own, and `overrides` replace single adapters.
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
    if settings.purge_after_days < 0:
        raise ValueError("CHATCORE_PURGE_AFTER_DAYS must be 0 or more")
    database = open_database(settings.database_url, settings.data_dir)
    try:
        ports = attrs.evolve(
            Ports(
                users=database.users,
                one_time_tokens=database.one_time_tokens,
                # Built only when not overridden: the default key may live in a file, and a
                # broker or mailer may hold connections.
                tokens=(
                    overrides["tokens"]
                    if "tokens" in overrides
                    else JwtTokenService(secret_key(settings))
                ),
                hasher=overrides["hasher"] if "hasher" in overrides else Argon2Hasher(),
                # Replaced below by the outbox, unless a host brought its own mailer.
                mailer=overrides["mailer"] if "mailer" in overrides else LogMailer(),
                clock=SystemClock(),
                ids=ObjectIdGenerator(),
                sessions=database.sessions,
                messages=database.messages,
                room_messages=database.room_messages,
                room_broker=(
                    overrides["room_broker"]
                    if "room_broker" in overrides
                    else open_broker(settings.broker_url)
                ),
                audit=database.audit,
                artifacts=database.artifacts,
                artifact_files=database.artifact_files,
                objects=(
                    overrides["objects"]
                    if "objects" in overrides
                    else open_object_store(settings.storage_url, settings.data_dir, database)
                ),
                repository_fetcher=(
                    overrides["repository_fetcher"]
                    if "repository_fetcher" in overrides
                    else DulwichRepositoryFetcher(settings.data_dir / "tmp" / "git")
                ),
                search=database.search,
                search_sources=database.search_sources,
                session_dependents=(database.artifacts,),
                unit_of_work=database.unit_of_work,
            ),
            **overrides,
        )
        # Whoever keeps the events, operators also read them in the log.
        ports.audit = LoggedAuditLog(ports.audit)
        if metrics is not None:  # counted before the use cases take the log
            from entrypoints.http.metrics import CountedAuditLog

            ports.audit = CountedAuditLog(ports.audit, metrics)
        if "sign_outs" not in overrides:
            # Over the broker the room sockets are on, whichever it is.
            ports.sign_outs = BrokerSignOutNotices(ports.room_broker)
        mail = None
        if "mailer" not in overrides:
            delivery = MailDelivery(
                database.mail_queue, open_mailer(settings), ports.clock, ports.ids, ports.audit
            )
            mail = MailSender(delivery)
            ports.mailer = QueuedMailer(
                database.mail_queue, ports.clock, ports.ids, on_queued=mail.wake
            )
        throttle = None
        optional_checks: dict[str, Callable[[], None]] = {}
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
        purge_after=timedelta(days=settings.purge_after_days),
    )
    in_process = database.in_process and overrides.keys() <= _LOCAL_PORTS
    ingestion = None
    if settings.repository_workers > 0:
        ingestion = IngestionWorker(
            core.ingestion, settings.repository_workers, settings.repository_poll_seconds
        )
    core.purge.progress = log_progress
    purge = PurgeWorker(core.purge, database.periodic_jobs)
    return Runtime(
        core=core,
        database=database,
        in_process=in_process,
        ingestion=ingestion,
        mail=mail,
        purge=purge,
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
