"""The SQLite unit of work: one transaction around a use case's writes, savepoints inside.

Memory and MongoDB (without a replica set) cannot roll back; their order of writes is the
UnitOfWork port's documented contract, and test_mail_queue.py checks they keep a block's
writes.
"""

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.argon2_hasher import Argon2Hasher
from adapters.sqlite import SqliteDatabase
from adapters.sqlite.connection import Connections
from chatcore.mail.delivery import QueuedMailer
from chatcore.mail.model import OutgoingEmail, QueuedEmail
from chatcore.mail.ports import MailQueue
from chatcore.shared.audit import AuditKind, AuditQuery
from entrypoints.bootstrap import build
from entrypoints.settings import Settings
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


class BreakingQueue:
    """The real outbox, which can be told to fail just after writing (a full disk, say)."""

    def __init__(self, queue: MailQueue) -> None:
        self.queue = queue
        self.written: list[QueuedEmail] = []
        self.failing = False

    def enqueue(self, email: QueuedEmail) -> None:
        self.queue.enqueue(email)
        self.written.append(email)
        if self.failing:
            raise OSError("disk full")

    def __getattr__(self, name: str) -> object:
        return getattr(self.queue, name)


def test_a_reset_request_whose_email_fails_changes_nothing(tmp_path: Path) -> None:
    runtime = build(
        Settings(data_dir=tmp_path),
        database_url=f"sqlite:///{tmp_path / 'chatcore.sqlite3'}",
        hasher=Argon2Hasher(time_cost=1, memory_cost=64),
    )
    with runtime:
        core = runtime.core
        mailer = core.ports.mailer
        assert isinstance(mailer, QueuedMailer)
        queue = mailer.queue = BreakingQueue(mailer.queue)
        core.auth.create_user("jane", "jane@example.com", "a long password", verified=True)
        core.auth.request_password_reset("jane@example.com")
        queue.failing = True
        with pytest.raises(OSError):
            core.auth.request_password_reset("jane@example.com")
        first, failed = queue.written
        # The failed request's email, audit event and token revocation all rolled back...
        assert queue.queue.get(failed.id) is None
        assert queue.queue.get(first.id) is not None
        requested = AuditQuery(kind=AuditKind.PASSWORD_RESET_REQUESTED)
        assert len(core.ports.audit.query(requested)) == 1
        # ...so the link already sent still works.
        match = re.search(r"token=([A-Za-z0-9_.\-]+)", first.email.body)
        assert match is not None
        core.auth.reset_password(match.group(1), "another long password")
