"""Every database adapter runs the same contract suites.

Mongo runs against mongomock here, and against a real server as well whenever
CHATCORE_TEST_MONGODB_URL is set.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

BACKENDS = ["memory", "sqlite", "mongomock"]
if os.environ.get("CHATCORE_TEST_MONGODB_URL"):
    BACKENDS.append("mongodb")


def open_database(backend: str, tmp_path: Path) -> Any:
    if backend == "memory":
        from adapters.memory import MemoryDatabase

        return MemoryDatabase()
    if backend == "sqlite":
        from adapters.sqlite import SqliteDatabase

        return SqliteDatabase(str(tmp_path / "chatcore.sqlite3"))
    if backend == "mongomock":
        import mongomock

        from adapters.mongo import MongoDatabase

        return MongoDatabase(mongomock.MongoClient(), f"test_{uuid.uuid4().hex}")
    if backend == "mongodb":
        import pymongo

        from adapters.mongo import MongoDatabase

        client: pymongo.MongoClient[Any] = pymongo.MongoClient(
            os.environ["CHATCORE_TEST_MONGODB_URL"]
        )
        # Each test gets a database of its own, dropped when the adapter closes its client.
        return MongoDatabase(client, f"chatcore_test_{uuid.uuid4().hex}", drop_on_close=True)
    raise ValueError(backend)


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    db = open_database(request.param, tmp_path)
    yield db
    db.close()
