"""SQLite adapters (stdlib sqlite3): one file, WAL mode, one connection per thread."""

from adapters.sqlite.database import SqliteDatabase
from adapters.sqlite.messages import SqliteMessageRepository
from adapters.sqlite.one_time_tokens import SqliteOneTimeTokenStore
from adapters.sqlite.room_messages import SqliteRoomMessageRepository
from adapters.sqlite.sessions import SqliteSessionRepository
from adapters.sqlite.users import SqliteUserRepository

__all__ = [
    "SqliteDatabase",
    "SqliteMessageRepository",
    "SqliteOneTimeTokenStore",
    "SqliteRoomMessageRepository",
    "SqliteSessionRepository",
    "SqliteUserRepository",
]
