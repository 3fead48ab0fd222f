"""The unit of work: several writes of one use case kept as one change."""

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol


class UnitOfWork(Protocol):
    """Makes several writes of one use case one change: all of them are kept, or none.

    `with unit_of_work.atomic(): ...` — every port of the same database written inside the
    block (repositories, the mail outbox) commits when the block ends and rolls back if it
    raises. Blocks nest (an inner one joins the outer one) and belong to the calling
    thread. Keep them short and free of slow work (password hashing, network calls): on
    SQLite the block holds the database's write lock. An adapter that cannot roll back
    (MongoDB without a replica set) relies on the order of the writes instead, and
    repairs what a crash between two of them leaves: use cases write the change first
    and queue its email last, so a crash in between loses an email, never sends one for
    a change that did not happen.
    """

    def atomic(self) -> AbstractContextManager[None]: ...


class SeparateWrites:
    """A unit of work that groups nothing: for adapters that keep each write as it comes."""

    @contextmanager
    def atomic(self) -> Iterator[None]:
        yield
