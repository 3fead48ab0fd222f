"""Every database adapter runs the same contract suites.

Mongo runs against mongomock here, and against a real server as well whenever
CHATCORE_TEST_MONGODB_URL is set.
"""

import os
import threading
import uuid
from collections.abc import Callable, Iterator
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


def race_for_jobs(
    tmp_path: Path, add_job: Callable[[Any], Any], claim: Callable[[Any, str], Any]
) -> tuple[list[str], list[str]]:
    """Four SQLite adapters over one file (as four server processes) claim 20 jobs in four
    threads until none is left: the ids of the jobs, and of every claim won, sorted."""
    databases = [open_database("sqlite", tmp_path) for _ in range(4)]
    try:
        jobs = sorted(add_job(databases[0]).id for _ in range(20))
        won: list[str] = []
        lock = threading.Lock()

        def claim_all(number: int) -> None:
            while claimed := claim(databases[number], str(number)):
                with lock:
                    won.append(claimed.artifact.id)

        threads = [threading.Thread(target=claim_all, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return jobs, sorted(won)
    finally:
        for database in databases:
            database.close()
