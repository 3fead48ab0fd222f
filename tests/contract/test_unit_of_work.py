"""The unit of work of every database: a use case's writes are kept together, or none.

Memory, SQLite and MongoDB on a replica set roll a failed block back; MongoDB without one
(mongomock here) keeps each write as it comes, and its repair makes what a crash between
two writes left true again. Each all-or-nothing use case is run with its second (or a
later) write failing, through a real repository that raises on that call.
"""

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import mongomock
import pytest

from adapters.argon2_hasher import Argon2Hasher
from adapters.memory import (
    ManualClock,
    MemoryOutbox,
)
from adapters.mongo import MongoDatabase
from adapters.mongo.unit_of_work import joining_transactions, supports_transactions
from adapters.sqlite import SqliteDatabase
from adapters.sqlite.connection import Connections
from chatcore.accounts.model import User
from chatcore.accounts.ports import Redemption
from chatcore.accounts.tokens import TokenKind
from chatcore.artifacts.model import ArtifactFile
from chatcore.chats.model import ChatSession
from chatcore.core import ChatCore
from chatcore.mail.delivery import QueuedMailer
from chatcore.mail.model import OutgoingEmail, QueuedEmail
from chatcore.mail.ports import MailQueue
from chatcore.shared.audit import AuditKind, AuditQuery
from chatcore.shared.unit_of_work import SeparateWrites
from entrypoints.bootstrap import build
from entrypoints.settings import Settings
from tests.builders import T0, a_room_message, a_user, an_artifact, at, claims, new_id
from tests.unit.conftest import memory_core


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[SqliteDatabase]:
    opened = SqliteDatabase(str(tmp_path / "chatcore.sqlite3"))
    yield opened
    opened.close()


def rolls_back(database: Any) -> bool:
    return not isinstance(database.unit_of_work, SeparateWrites)


def an_email(to: str) -> QueuedEmail:
    email = OutgoingEmail(to=to, subject="Verify your email address", body="token=x\n")
    return QueuedEmail(id=new_id(), email=email, queued_at=at(0), due_at=at(0))


def test_a_failure_rolls_the_change_and_its_email_back_together(database: Any) -> None:
    if not rolls_back(database):
        pytest.skip("each write stands: the email is queued last (see UnitOfWork)")
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


def test_other_threads_never_see_half_a_unit_of_work(sqlite_database: SqliteDatabase) -> None:
    database = sqlite_database
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


def test_an_inner_block_that_fails_undoes_only_its_own_writes(database: Any) -> None:
    if not rolls_back(database) or isinstance(database, MongoDatabase):
        pytest.skip("MongoDB has no savepoints: an inner block joins the outer one whole")
    kept, undone = a_user(), a_user()
    with database.unit_of_work.atomic():
        database.users.add(kept)
        with pytest.raises(RuntimeError), database.unit_of_work.atomic():
            database.users.add(undone)
            raise RuntimeError("a step failed; the use case goes on")
    assert database.users.get(kept.id) is not None
    assert database.users.get(undone.id) is None


def test_an_outer_failure_undoes_the_inner_blocks_too(database: Any) -> None:
    if not rolls_back(database):
        pytest.skip("each write stands")
    inner, outer = a_user(), a_user()
    with pytest.raises(RuntimeError), database.unit_of_work.atomic():
        with database.unit_of_work.atomic():
            database.users.add(inner)
        database.users.add(outer)
        raise RuntimeError("the use case failed after its inner block")
    assert database.users.get(inner.id) is None
    assert database.users.get(outer.id) is None


def test_a_rollback_in_one_thread_keeps_another_threads_writes(database: Any) -> None:
    if not rolls_back(database):
        pytest.skip("each write stands")
    failed, kept = a_user(), a_user()
    failed_wrote, kept_done = threading.Event(), threading.Event()

    def failing() -> None:
        with pytest.raises(RuntimeError), database.unit_of_work.atomic():
            database.users.add(failed)
            failed_wrote.set()
            # SQLite makes the other block wait for this one; memory lets it run meanwhile.
            kept_done.wait(timeout=0.5)
            raise RuntimeError("this thread's use case fails")

    def keeping() -> None:
        failed_wrote.wait(timeout=10)
        with database.unit_of_work.atomic():
            database.users.add(kept)
        kept_done.set()

    threads = [threading.Thread(target=failing), threading.Thread(target=keeping)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert database.users.get(failed.id) is None
    assert database.users.get(kept.id) is not None


class FailingOnCall:
    """A real adapter whose `method` raises on its `nth` call: a crash between two writes."""

    def __init__(self, adapter: Any, method: str, nth: int = 1) -> None:
        self.adapter = adapter
        self.method = method
        self.nth = nth
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.adapter, name)
        if name != self.method:
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.calls == self.nth:
                raise OSError("the database went away")
            return attribute(*args, **kwargs)

        return call


def core_over(database: Any, clock: ManualClock, **failing: FailingOnCall) -> ChatCore:
    """The use cases over `database`, with some of its adapters made to fail."""
    ports = memory_core(clock, MemoryOutbox(), database=database).ports
    dependents = (failing.pop("artifacts", database.artifacts),)
    return ChatCore.from_ports(attrs.evolve(ports, session_dependents=dependents, **failing))


@attrs.frozen
class Account:
    user: User
    session: ChatSession
    artifact_id: str
    reset_token_id: str


def an_account(database: Any, clock: ManualClock) -> Account:
    """A user with a session, a message in it, an artifact and an unused reset link."""
    core = core_over(database, clock)
    user = a_user(created_at=T0, updated_at=T0)
    database.users.add(user)
    session = core.sessions.create(user)
    clock.advance(timedelta(seconds=1))
    core.sessions.send_message(user, session.id, "hello")
    artifact = an_artifact(session.id, user.id)
    database.artifacts.add(artifact)
    reset = attrs.evolve(claims(user.id, TokenKind.RESET), expires_at=T0 + timedelta(days=365))
    database.one_time_tokens.add(reset)
    clock.advance(timedelta(seconds=1))
    return Account(user, core.sessions.get(user, session.id), artifact.id, reset.token_id)


def repair(database: Any, clock: ManualClock) -> None:
    """What opening a MongoDB without transactions does after a crash."""
    database.repair(since=T0 - timedelta(days=1), settled_before=clock.now() + timedelta(seconds=1))


def session_is_counted(database: Any, session: ChatSession) -> None:
    stored = database.sessions.get(session.id)
    live = database.messages.latest(session.id, 1000)
    assert stored.message_count == len(live)
    assert stored.last_message_at == (live[-1].created_at if live else None)


def test_a_message_is_stored_if_and_only_if_it_is_counted(database: Any) -> None:
    clock = ManualClock()
    account = an_account(database, clock)
    failing = FailingOnCall(database.sessions, "record_message")
    core = core_over(database, clock, sessions=failing)
    with pytest.raises(OSError):
        core.sessions.send_message(account.user, account.session.id, "lost in the crash")
    if rolls_back(database):
        assert [m.content for m in database.messages.latest(account.session.id, 10)] == ["hello"]
    else:
        repair(database, clock)
    session_is_counted(database, account.session)


def test_a_message_is_deleted_if_and_only_if_it_is_uncounted(database: Any) -> None:
    clock = ManualClock()
    account = an_account(database, clock)
    (message,) = database.messages.latest(account.session.id, 10)
    failing = FailingOnCall(database.sessions, "record_message_removed")
    core = core_over(database, clock, sessions=failing)
    with pytest.raises(OSError):
        core.sessions.delete_message(account.user, account.session.id, message.id)
    if rolls_back(database):
        assert database.messages.get(message.id).deleted_at is None
        assert database.sessions.get(account.session.id).message_count == 1
    else:
        repair(database, clock)
    session_is_counted(database, account.session)


def assert_deleted_whole_or_not_at_all(database: Any, account: Account) -> bool:
    """Whether the session is deleted; its artifact always goes (or stays) with it."""
    session = database.sessions.get(account.session.id)
    artifact = database.artifacts.get(account.artifact_id)
    assert (session.deleted_at is None) == (artifact.deleted_at is None)
    return session.deleted_at is not None


def test_a_session_is_deleted_with_its_artifacts_or_not_at_all(database: Any) -> None:
    clock = ManualClock()
    account = an_account(database, clock)
    failing = FailingOnCall(database.artifacts, "disable_for_sessions")
    core = core_over(database, clock, artifacts=failing)
    with pytest.raises(OSError):
        core.sessions.delete(account.user, account.session.id)
    if not rolls_back(database):
        repair(database, clock)
    deleted = assert_deleted_whole_or_not_at_all(database, account)
    assert deleted is not rolls_back(database)


ACCOUNT_DELETION_WRITES = [
    ("users", "save", 1),  # the first write: nothing happened at all
    ("one_time_tokens", "revoke", 1),
    ("one_time_tokens", "revoke", 2),
    ("sessions", "mark_deleted_for_user", 1),
    ("artifacts", "disable_for_sessions", 1),
    ("audit", "record", 1),
]


@pytest.mark.parametrize(("port", "method", "nth"), ACCOUNT_DELETION_WRITES)
def test_an_account_is_deleted_whole_or_not_at_all(
    database: Any, port: str, method: str, nth: int
) -> None:
    clock = ManualClock()
    account = an_account(database, clock)
    failing = FailingOnCall(getattr(database, port), method, nth)
    core = core_over(database, clock, **{port: failing})
    with pytest.raises(OSError):
        core.accounts.delete(account.user, account.user.id)
    user = database.users.get(account.user.id)
    if rolls_back(database):
        assert user.deleted_at is None
        assert not assert_deleted_whole_or_not_at_all(database, account)
        assert database.one_time_tokens.redeem(account.reset_token_id) is Redemption.REDEEMED
        assert database.audit.query(AuditQuery(kind=AuditKind.USER_DELETED)) == []
        return
    repair(database, clock)
    # Without transactions the user is deleted first; the repair finishes the cascade.
    user_deleted = user.deleted_at is not None
    assert user_deleted is (port != "users")
    assert assert_deleted_whole_or_not_at_all(database, account) is user_deleted


def test_the_repair_leaves_a_session_whose_messages_are_in_flight() -> None:
    database = MongoDatabase(mongomock.MongoClient(), f"test_{new_id()}")
    clock = ManualClock()
    account = an_account(database, clock)
    settled = clock.now()
    # Another process stored this message and has not counted it yet: it will, itself.
    core = core_over(database, clock, sessions=FailingOnCall(database.sessions, "record_message"))
    with pytest.raises(OSError):
        core.sessions.send_message(account.user, account.session.id, "in flight")
    repaired = database.repair(since=T0, settled_before=settled)
    assert repaired.sessions_recounted == 0
    assert database.sessions.get(account.session.id).message_count == 1
    # Once it has settled, a repair counts it.
    assert database.repair(since=T0, settled_before=at(3600)).sessions_recounted == 1
    session_is_counted(database, account.session)


def test_mongomock_has_no_transactions_so_mongo_keeps_writes_in_order() -> None:
    client: Any = mongomock.MongoClient()
    assert not supports_transactions(client)
    database = MongoDatabase(client, f"test_{new_id()}")
    assert not database.transactional
    assert isinstance(database.unit_of_work, SeparateWrites)


def test_opening_a_database_without_transactions_repairs_it() -> None:
    client: Any = mongomock.MongoClient()
    name = f"test_{new_id()}"
    database = MongoDatabase(client, name)
    clock = ManualClock(datetime.now(UTC) - timedelta(minutes=5))
    account = an_account(database, clock)
    lost = core_over(database, clock, sessions=FailingOnCall(database.sessions, "record_message"))
    with pytest.raises(OSError):
        lost.sessions.send_message(account.user, account.session.id, "lost in the crash")
    half = core_over(
        database, clock, artifacts=FailingOnCall(database.artifacts, "disable_for_sessions")
    )
    with pytest.raises(OSError):
        half.sessions.delete(account.user, account.session.id)
    reopened = MongoDatabase(client, name)  # the restart after the crash
    assert assert_deleted_whole_or_not_at_all(reopened, account)
    session_is_counted(reopened, account.session)


def everything(
    database: Any, account: Account, other: ChatSession, deleted: str
) -> dict[str, object]:
    """What the reads of every repository show of an account, a second session and the rest."""
    return {
        "deleted message": database.messages.get(deleted),
        "user": database.users.get(account.user.id),
        "sessions": [database.sessions.get(s.id) for s in (account.session, other)],
        "messages": [database.messages.latest(s.id, 100) for s in (account.session, other)],
        "room": database.room_messages.latest("general", 100),
        "artifact": database.artifacts.get(account.artifact_id),
        "files": database.artifact_files.page(account.artifact_id, 100, 0),
        "audit": database.audit.query(AuditQuery()),
        "email": database.mail_queue.get("queued-before"),
        "claimable email": database.mail_queue.depth(),
    }


def test_a_failed_block_undoes_every_kind_of_write(database: Any) -> None:
    if not rolls_back(database):
        pytest.skip("each write stands")
    clock = ManualClock()
    account = an_account(database, clock)
    core = core_over(database, clock)
    other = core.sessions.create(account.user)
    core.sessions.send_message(account.user, other.id, "to be deleted")
    (doomed,) = database.messages.latest(other.id, 1)
    core.sessions.delete_message(account.user, other.id, doomed.id)
    core.sessions.send_message(account.user, other.id, "kept")
    database.artifact_files.add_many(account.artifact_id, [ArtifactFile("a.txt", 1)])
    database.mail_queue.enqueue(attrs.evolve(an_email("jane@example.com"), id="queued-before"))
    before = everything(database, account, other, doomed.id)
    user = account.user
    now = clock.now()
    with pytest.raises(RuntimeError), database.unit_of_work.atomic():
        database.users.save(attrs.evolve(user, username="renamed"))
        database.sessions.update(attrs.evolve(account.session, title="Renamed", updated_at=now))
        core.sessions.send_message(user, account.session.id, "undone")
        database.sessions.mark_deleted(other.id, now)
        database.messages.remove_deleted_before(now + timedelta(days=1))
        database.messages.remove_for_sessions([other.id])
        database.room_messages.add(a_room_message())
        artifact = database.artifacts.get(account.artifact_id)
        database.artifacts.update(attrs.evolve(artifact, name="Renamed", updated_at=now))
        database.artifacts.mark_deleted(account.artifact_id, now)
        database.artifact_files.add_many(account.artifact_id, [ArtifactFile("b.txt", 2)])
        database.artifact_files.remove_all(account.artifact_id)
        database.mail_queue.enqueue(an_email("joe@example.com"))
        database.mail_queue.claim_next("sender", now + timedelta(days=1), now + timedelta(days=2))
        core.accounts.events.record(AuditKind.USER_DELETED, user.id)
        database.one_time_tokens.redeem(account.reset_token_id)
        database.one_time_tokens.revoke(user.id)
        database.users.remove([user.id])
        raise RuntimeError("the use case failed after all of them")
    assert everything(database, account, other, doomed.id) == before
    assert database.one_time_tokens.redeem(account.reset_token_id) is Redemption.REDEEMED


def test_outside_a_block_a_joining_collection_is_the_plain_one() -> None:
    plain: Any = mongomock.MongoClient()["test"]["things"]
    joining = joining_transactions(plain)
    joining.insert_one({"_id": 1, "n": 1})
    joining.update_one({"_id": 1}, {"$inc": {"n": 1}})
    assert joining.find_one({"_id": 1}) == {"_id": 1, "n": 2}
    assert [d["_id"] for d in joining.find({}).sort("_id")] == [1]
    assert joining.count_documents({}) == 1
    assert joining.name == "things"
