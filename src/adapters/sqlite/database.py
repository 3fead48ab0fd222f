import sqlite3
from pathlib import Path

from adapters.sqlite.artifacts import SqliteArtifactFileRepository, SqliteArtifactRepository
from adapters.sqlite.audit import SqliteAuditLog
from adapters.sqlite.checkpoints import Checkpointer
from adapters.sqlite.connection import Connections
from adapters.sqlite.mail_queue import SqliteMailQueue
from adapters.sqlite.messages import SqliteMessageRepository
from adapters.sqlite.one_time_tokens import SqliteOneTimeTokenStore
from adapters.sqlite.periodic_jobs import SqlitePeriodicJobs
from adapters.sqlite.room_messages import SqliteRoomMessageRepository
from adapters.sqlite.schema import migrate
from adapters.sqlite.search import SqliteSearchIndex, SqliteSearchSources
from adapters.sqlite.sessions import SqliteSessionRepository
from adapters.sqlite.text_jobs import SqliteTextJobs
from adapters.sqlite.unit_of_work import SqliteUnitOfWork
from adapters.sqlite.users import SqliteUserRepository


class SqliteDatabase:
    """Every repository over one SQLite file, its schema brought up to date on opening.

    `path` must name a file: each thread opens its own connection, and every connection
    to ":memory:" would be a database of its own.
    """

    # A local file, mostly served from the page cache: calls take microseconds.
    in_process = True

    def __init__(self, path: str) -> None:
        self._connections = Connections(path)
        try:
            migrate(self._connections)
        except BaseException:
            self._connections.close()
            raise
        self.users = SqliteUserRepository(self._connections)
        self.one_time_tokens = SqliteOneTimeTokenStore(self._connections)
        self.sessions = SqliteSessionRepository(self._connections)
        self.messages = SqliteMessageRepository(self._connections)
        self.room_messages = SqliteRoomMessageRepository(self._connections)
        self.audit = SqliteAuditLog(self._connections)
        self.artifacts = SqliteArtifactRepository(self._connections)
        self.artifact_files = SqliteArtifactFileRepository(self._connections)
        self.text_jobs = SqliteTextJobs(self._connections)
        self.mail_queue = SqliteMailQueue(self._connections)
        self.unit_of_work = SqliteUnitOfWork(self._connections)
        self.periodic_jobs = SqlitePeriodicJobs(self._connections)
        # Not started: a server starts it with its other threads (see checkpoints.py).
        self.checkpointer = Checkpointer(self._connections)
        self.search = SqliteSearchIndex(self._connections)
        self.search_sources = SqliteSearchSources(self._connections)

    def object_store(self) -> None:
        """None: objects live in files beside the database, not inside it."""
        return None

    def ping(self) -> None:
        self._connections.get().execute("SELECT 1").fetchone()

    def backup(self, destination: Path) -> None:
        """A consistent copy of the database in the new file `destination`, while in use.

        SQLite's online backup copies the pages of one read transaction: writers go on
        (WAL), and the copy is the database as it was at one moment, never half a write.
        """
        target = sqlite3.connect(destination, isolation_level=None)
        try:
            self._connections.get().backup(target)
        finally:
            target.close()

    def close(self) -> None:
        self.checkpointer.stop()
        self._connections.close()
