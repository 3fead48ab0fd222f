"""The composition root: the only place that knows which adapter serves which port."""

import contextlib
import os
import secrets
from pathlib import Path
from typing import Protocol

import attrs

from adapters.argon2_hasher import Argon2Hasher
from adapters.clock import SystemClock
from adapters.jwt_tokens import JwtTokenService
from adapters.log_mail import LogMailer
from adapters.memory_broker import MemoryRoomBroker
from adapters.object_ids import ObjectIdGenerator
from adapters.smtp_mail import SmtpMailer
from chatcore.artifact_library import ArtifactLimits
from chatcore.core import ChatCore
from chatcore.mail import AccountEmails
from chatcore.ports import (
    ArtifactFileRepository,
    ArtifactRepository,
    Mailer,
    MessageRepository,
    ObjectStore,
    OneTimeTokenStore,
    Ports,
    RoomBroker,
    RoomMessageRepository,
    SessionRepository,
    UserRepository,
)
from entrypoints.settings import Settings


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
    def artifacts(self) -> ArtifactRepository: ...

    @property
    def artifact_files(self) -> ArtifactFileRepository: ...

    def ping(self) -> None: ...

    def close(self) -> None: ...


@attrs.define
class Runtime:
    """A built chatcore: the use cases, and the resources to check and release."""

    core: ChatCore
    database: Database

    def close(self) -> None:
        self.database.close()


def build(settings: Settings) -> Runtime:
    """Build every adapter that `settings` names and wire the use cases to them."""
    database = open_database(settings.database_url, settings.data_dir)
    ports = Ports(
        users=database.users,
        one_time_tokens=database.one_time_tokens,
        tokens=JwtTokenService(secret_key(settings)),
        hasher=Argon2Hasher(),
        mailer=open_mailer(settings),
        clock=SystemClock(),
        ids=ObjectIdGenerator(),
        sessions=database.sessions,
        messages=database.messages,
        room_messages=database.room_messages,
        room_broker=open_broker(settings.broker_url),
        artifacts=database.artifacts,
        artifact_files=database.artifact_files,
        objects=open_object_store(settings.storage_url, settings.data_dir, database),
        session_dependents=(database.artifacts,),
    )
    core = ChatCore.from_ports(
        ports,
        emails=AccountEmails(public_url=settings.public_url),
        artifact_limits=ArtifactLimits(
            max_upload_bytes=settings.max_upload_bytes,
            repository_allowed_urls=settings.repository_allowed_urls,
        ),
    )
    return Runtime(core=core, database=database)


def open_database(url: str | None, data_dir: Path) -> Database:
    """A database adapter for `sqlite:///PATH`, `mongodb://…` or `memory://`."""
    if url is None:
        url = f"sqlite:///{data_dir / 'chatcore.sqlite3'}"
    if url.startswith("sqlite:///"):
        from adapters.sqlite import SqliteDatabase

        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteDatabase(str(path))
    if url.startswith(("mongodb://", "mongodb+srv://")):
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
    files), else a folder in the data dir.
    """
    from adapters.mongo import MongoDatabase

    if url is None:
        if isinstance(database, MongoDatabase):
            return database.object_store()
        url = f"file://{(data_dir / 'storage').resolve()}"
    if url.startswith("file://"):
        from adapters.filesystem import FileObjectStore

        return FileObjectStore(Path(url.removeprefix("file://")))
    if url == "memory://":
        from adapters.memory import MemoryObjectStore

        return MemoryObjectStore()
    if url == "gridfs://":
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
        from adapters.redis_broker import RedisRoomBroker

        return RedisRoomBroker(url)
    raise ValueError(
        f"CHATCORE_BROKER_URL: unsupported scheme {url.partition(':')[0]!r}"
        " (use memory:// or redis://…)"
    )


def open_mailer(settings: Settings) -> Mailer:
    if settings.smtp_url is None:
        return LogMailer()
    return SmtpMailer(settings.smtp_url, settings.mail_from)


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
        path.parent.mkdir(parents=True, exist_ok=True)
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
