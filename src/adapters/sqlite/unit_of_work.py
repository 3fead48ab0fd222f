"""One SQLite transaction around a whole use case: the repositories' own become savepoints."""

from collections.abc import Iterator
from contextlib import contextmanager

from adapters.sqlite.connection import Connections


class SqliteUnitOfWork:
    def __init__(self, connections: Connections) -> None:
        self._connections = connections

    @contextmanager
    def atomic(self) -> Iterator[None]:
        # Every repository writes through this thread's connection, so they all join it.
        with self._connections.transaction():
            yield
