import contextlib
import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

BUSY_TIMEOUT_MS = 5000
AUTOCHECKPOINT_PAGES = 1000  # SQLite's default: the commit that takes the log past it copies it
# Owner only: the database holds password hashes, tokens' records and every message.
PRIVATE_FILE = 0o600


def _keep_private(path: str) -> None:
    """Make the database file 0600 before SQLite opens it, and tighten what exists.

    SQLite creates a database 0644 less the umask, and gives its -wal and -shm files the
    mode of the database file: creating the file 0600 first keeps all three private.
    """
    if path in ("", ":memory:"):
        return
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE))
    for name in (path, f"{path}-wal", f"{path}-shm", f"{path}-journal"):
        with contextlib.suppress(FileNotFoundError):
            if os.stat(name).st_mode & 0o077:
                os.chmod(name, PRIVATE_FILE)


class _Connection(sqlite3.Connection):
    """A plain connection that can be weakly referenced (sqlite3.Connection cannot)."""

    setting = 0  # the `Connections` setting it has applied


class Connections:
    """One autocommit connection per thread to one database file, opened on first use.

    The registry holds connections weakly: when a thread ends, its thread-local goes and
    the connection is closed with it, so short-lived threads do not pile up connections.
    """

    def __init__(self, path: str) -> None:
        self._path = path
        _keep_private(path)
        self._local = threading.local()
        self._open: weakref.WeakSet[_Connection] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._closed = False
        # Bumped when commits stop (or start again) checkpointing: each thread's
        # connection catches up on its next use.
        self._autocheckpoint = AUTOCHECKPOINT_PAGES
        self._setting = 0

    def get(self) -> sqlite3.Connection:
        connection: _Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._connect()
            self._local.connection = connection
        if connection.setting != self._setting:
            connection.execute(f"PRAGMA wal_autocheckpoint = {self._autocheckpoint}")
            connection.setting = self._setting
        return connection

    def checkpoint_on_commit(self, on: bool) -> None:
        """Whether a commit that grows the log past 1,000 pages checkpoints it (SQLite's
        default), or leaves that to a `Checkpointer`."""
        self._autocheckpoint = AUTOCHECKPOINT_PAGES if on else 0
        self._setting += 1

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that takes the lock up front, so reads in it stay valid.

        Inside another one on this thread (a unit of work), it is a savepoint of it: its
        writes commit with the outer transaction, and roll back alone if it raises.
        """
        connection = self.get()
        if connection.in_transaction:
            yield from self._savepoint(connection)
            return
        # IMMEDIATE: a deferred read transaction that later writes can fail with SQLITE_BUSY
        # without waiting for the busy timeout.
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            # SQLite may have rolled back already (on SQLITE_FULL, for one).
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def _savepoint(self, connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        depth = getattr(self._local, "savepoints", 0) + 1
        self._local.savepoints = depth
        name = f"nested_{depth}"
        connection.execute(f"SAVEPOINT {name}")
        try:
            yield connection
        except BaseException:
            if connection.in_transaction:
                connection.execute(f"ROLLBACK TO {name}")
                connection.execute(f"RELEASE {name}")
            raise
        else:
            connection.execute(f"RELEASE {name}")
        finally:
            self._local.savepoints = depth - 1

    def close(self) -> None:
        with self._lock:
            self._closed = True
            connections = list(self._open)
            self._open.clear()
        for connection in connections:
            connection.close()

    def _connect(self) -> _Connection:
        with self._lock:
            if self._closed:
                raise sqlite3.ProgrammingError("The database has been closed")
            # check_same_thread=False only so that close() may close every thread's connection.
            connection = sqlite3.connect(
                self._path,
                isolation_level=None,
                check_same_thread=False,
                factory=_Connection,
            )
            self._open.add(connection)
        connection.row_factory = sqlite3.Row
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Safe with WAL: a power cut may lose the last commits, never corrupt the file.
        connection.execute("PRAGMA synchronous = NORMAL")
        return connection
