"""The MongoDB unit of work: a multi-document transaction when the server has them.

Transactions need a replica set (or a sharded cluster's mongos). There a block is one
transaction: the client session lives in a contextvar while the block runs, and every
collection of the database is opened through `joining_transactions`, which hands that
session to each operation, reads included (a read in the block sees the block's writes).

A standalone server (and mongomock) has none: each write stands as it comes, in the order
the use cases write them (the change first, its email last), and `repair` (repair.py)
makes what a crash between two writes left behind true again.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, cast

from pymongo import MongoClient
from pymongo.client_session import ClientSession
from pymongo.errors import OperationFailure

from adapters.mongo.documents import Document, Documents

_SESSION: ContextVar[ClientSession | None] = ContextVar("chatcore_mongo_session", default=None)

# The collection operations that take a `session`: all those the repositories call.
_OPERATIONS = frozenset(
    {
        "aggregate",
        "bulk_write",
        "count_documents",
        "delete_many",
        "delete_one",
        "distinct",
        "find",
        "find_one",
        "find_one_and_delete",
        "find_one_and_replace",
        "find_one_and_update",
        "insert_many",
        "insert_one",
        "replace_one",
        "update_many",
        "update_one",
    }
)


def supports_transactions(client: Any) -> bool:
    """True when `client` reaches a replica set member or a mongos (not mongomock)."""
    if not isinstance(client, MongoClient):
        return False
    try:
        hello = client.admin.command("hello")
    except OperationFailure:  # a server older than 4.4.2 knows it by its old name
        hello = client.admin.command("isMaster")
    return "setName" in hello or hello.get("msg") == "isdbgrid"


class _JoiningTransactions:
    """A collection whose operations run in the open block's transaction, if any."""

    def __init__(self, collection: Documents) -> None:
        self._collection = collection

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._collection, name)
        if name not in _OPERATIONS:
            return attribute

        def in_session(*args: Any, **kwargs: Any) -> Any:
            session = _SESSION.get()
            if session is not None:
                kwargs.setdefault("session", session)
            return attribute(*args, **kwargs)

        return in_session


def joining_transactions(collection: Documents) -> Documents:
    """`collection`, its operations joining the transaction of the block around them."""
    return cast(Documents, _JoiningTransactions(collection))


class MongoUnitOfWork:
    """One multi-document transaction per outermost block; inner blocks join it.

    An inner block that raises inside an outer one that goes on keeps its writes (MongoDB
    has no savepoints): the use cases let such errors end the outer block too.
    `with_transaction` is not used: its callback may run several times, a `with` block
    only once; a transient error (a write conflict) fails the use case, which changed
    nothing, and the client may try again.
    """

    def __init__(self, client: MongoClient[Document]) -> None:
        self._client = client

    @contextmanager
    def atomic(self) -> Iterator[None]:
        if _SESSION.get() is not None:
            yield
            return
        with self._client.start_session() as session, session.start_transaction():
            token = _SESSION.set(session)
            try:
                yield
            finally:
                _SESSION.reset(token)
