"""The SQLite unit of work: one transaction around a use case's writes, savepoints inside.

Memory and MongoDB (without a replica set) cannot roll back; their order of writes is the
UnitOfWork port's documented contract, and test_mail_queue.py checks they keep a block's
writes.
"""

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.sqlite import SqliteDatabase
from adapters.sqlite.connection import Connections
from chatcore.mail import OutgoingEmail
from chatcore.outbox import QueuedEmail
from tests.builders import a_user, at, new_id


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SqliteDatabase]:
    opened = SqliteDatabase(str(tmp_path / "chatcore.sqlite3"))
    yield opened
    opened.close()


def an_email(to: str) -> QueuedEmail:
    email = OutgoingEmail(to=to, subject="Verify your email address", body="token=x\n")
    return QueuedEmail(id=new_id(), email=email, queued_at=at(0), due_at=at(0))


def test_a_failure_rolls_the_change_and_its_email_back_together(database: SqliteDatabase) -> None:
    user = a_user()
    email = an_email(user.email)
    with pytest.raises(RuntimeError), database.unit_of_work.atomic():
        database.users.add(user)
        database.mail_queue.enqueue(email)
        raise RuntimeError("the use case failed after both writes")
    assert database.users.get(user.id) is None
    assert database.mail_queue.get(email.id) is None


def test_a_transaction_inside_one_is_a_savepoint(tmp_path: Path) -> None:
    connections = Connections(str(tmp_path / "plain.sqlite3"))
    try:
        with connections.transaction() as connection:
            connection.execute("CREATE TABLE t (n INTEGER)")
        with connections.transaction() as outer:
            outer.execute("INSERT INTO t VALUES (1)")
            with pytest.raises(RuntimeError), connections.transaction() as inner:
                inner.execute("INSERT INTO t VALUES (2)")
                raise RuntimeError("a repository's step failed; the use case goes on")
            with connections.transaction() as inner:
                inner.execute("INSERT INTO t VALUES (3)")
            assert outer.in_transaction
        rows = connections.get().execute("SELECT n FROM t ORDER BY n").fetchall()
        assert [row[0] for row in rows] == [1, 3]
    finally:
        connections.close()


def test_other_threads_never_see_half_a_unit_of_work(database: SqliteDatabase) -> None:
    user = a_user()
    seen: list[object] = []
    with database.unit_of_work.atomic():
        database.users.add(user)
        reader = threading.Thread(target=lambda: seen.append(database.users.get(user.id)))
        reader.start()
        reader.join()
    assert seen == [None]
    assert database.users.get(user.id) is not None
