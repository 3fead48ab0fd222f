"""The purge: what was deleted `after` ago goes for good, bytes and rows; nothing else."""

import io
import time
from collections.abc import Callable
from datetime import timedelta

import attrs
import pytest

from adapters.memory import ManualClock, MemoryObjectStore, MemoryPeriodicJobs
from chatcore.accounts.model import Role, User
from chatcore.artifacts.model import ArtifactType
from chatcore.core import ChatCore
from chatcore.shared.audit import AuditKind, AuditQuery
from chatcore.upkeep.purge import DEFAULT_AFTER
from entrypoints.bootstrap import build
from entrypoints.purge_worker import PurgeWorker
from entrypoints.settings import Settings
from tests import files
from tests.builders import a_session, an_artifact

DAY = timedelta(days=1)


def store_of(core: ChatCore) -> MemoryObjectStore:
    objects = core.ports.objects
    assert isinstance(objects, MemoryObjectStore)
    return objects


def with_uploads(core: ChatCore, user: User) -> tuple[str, str]:
    """A session of `user` with a ZIP upload, a text artifact and a message; their ids."""
    session = core.sessions.create(user)
    data, _ = files.project_zip()
    core.artifacts.upload(user, session.id, "p.zip", io.BytesIO(data), None)
    core.artifacts.create(user, session.id, ArtifactType.TEXT, "notes", content="x")
    message = core.sessions.send_message(user, session.id, "hello")
    return session.id, message.id


def test_a_deleted_account_is_purged_whole_after_the_wait_and_others_are_untouched(
    core: ChatCore, clock: ManualClock, make_user: Callable[..., User]
) -> None:
    gone, kept, admin = make_user(), make_user(), make_user(Role.ADMIN)
    kept_session, kept_message = with_uploads(core, kept)
    kept_keys = store_of(core).stored_keys()
    gone_session, gone_message = with_uploads(core, gone)
    gone_artifacts = core.artifacts.in_session(gone, gone_session)
    assert store_of(core).stored_keys() != kept_keys
    core.accounts.delete(admin, gone.id)

    clock.advance(DEFAULT_AFTER - DAY)
    early = core.purge.run()
    assert early.counts() == dict.fromkeys(early.counts(), 0)
    assert core.ports.users.get(gone.id) is not None

    clock.advance(2 * DAY)
    report = core.purge.run()
    assert (report.users, report.sessions, report.messages, report.artifacts) == (1, 1, 1, 2)
    assert core.ports.users.get(gone.id) is None
    assert core.ports.sessions.get(gone_session) is None  # type: ignore[arg-type]
    assert core.ports.messages.get(gone_message) is None  # type: ignore[arg-type]
    for artifact in gone_artifacts:
        assert core.ports.artifacts.get(artifact.id) is None
        assert core.ports.artifact_files.page(artifact.id, 10, 0).total == 0
    assert store_of(core).stored_keys() == kept_keys
    # The other user keeps everything.
    assert core.ports.users.get(kept.id) is not None
    assert [m.id for m in core.sessions.messages(kept, kept_session)] == [kept_message]
    assert len(core.artifacts.in_session(kept, kept_session)) == 2
    # A second run finds nothing more to do.
    assert core.purge.run().counts() == dict.fromkeys(report.counts(), 0)


def test_each_thing_is_judged_by_its_own_deletion_time(
    core: ChatCore, clock: ManualClock, make_user: Callable[..., User]
) -> None:
    user = make_user()
    session_id, message_id = with_uploads(core, user)
    early_session = core.sessions.create(user)
    zip_artifact, text_artifact = core.artifacts.in_session(user, session_id)
    core.artifacts.delete(user, session_id, zip_artifact.id)
    core.sessions.delete(user, early_session.id)
    clock.advance(10 * DAY)
    core.sessions.delete_message(user, session_id, message_id)
    core.artifacts.delete(user, session_id, text_artifact.id)

    clock.advance(DEFAULT_AFTER - 5 * DAY)
    report = core.purge.run()
    assert (report.sessions, report.artifacts, report.messages) == (1, 1, 0)
    assert core.ports.artifacts.get(zip_artifact.id) is None
    assert not any(zip_artifact.id in key for key in store_of(core).stored_keys())
    assert core.ports.artifacts.get(text_artifact.id) is not None
    assert core.ports.messages.get(message_id) is not None  # type: ignore[arg-type]
    assert core.ports.users.get(user.id) is not None

    clock.advance(10 * DAY)
    report = core.purge.run()
    assert (report.sessions, report.artifacts, report.messages) == (0, 1, 1)
    assert core.ports.messages.get(message_id) is None  # type: ignore[arg-type]
    assert core.sessions.get(user, session_id).id == session_id  # the session is live


def test_deleted_room_messages_are_purged(
    core: ChatCore, clock: ManualClock, make_user: Callable[..., User]
) -> None:
    user = make_user()
    deleted = core.rooms.post(user, "general", "oops")
    kept = core.rooms.post(user, "general", "hello")
    core.rooms.delete(user, deleted.id)
    clock.advance(DEFAULT_AFTER + DAY)
    assert core.purge.run().room_messages == 1
    assert core.ports.room_messages.get(deleted.id) is None
    assert core.ports.room_messages.get(kept.id) is not None


def test_an_override_of_zero_days_purges_everything_deleted_until_now(
    core: ChatCore, clock: ManualClock, make_user: Callable[..., User]
) -> None:
    user = make_user()
    session_id, _ = with_uploads(core, user)
    core.sessions.delete(user, session_id)
    clock.advance(timedelta(milliseconds=1))
    report = core.purge.run(timedelta(0))
    assert (report.sessions, report.artifacts) == (1, 2)
    assert store_of(core).stored_keys() == []
    with pytest.raises(ValueError):
        core.purge.run(timedelta(days=-1))


def test_each_run_is_audited_with_counts_and_names_nobody(
    core: ChatCore, clock: ManualClock, make_user: Callable[..., User]
) -> None:
    user, admin = make_user(), make_user(Role.ADMIN)
    core.accounts.delete(admin, user.id)
    clock.advance(DEFAULT_AFTER + DAY)
    core.purge.run()
    (event,) = core.ports.audit.query(AuditQuery(kind=AuditKind.PURGED))
    assert event.user_id is None and event.actor_id is None
    assert event.details["users"] == "1"
    assert user.email not in str(event.details) and user.id not in str(event.details)


def test_an_artifact_stored_after_its_session_was_deleted_goes_with_the_session(
    core: ChatCore, clock: ManualClock, make_user: Callable[..., User]
) -> None:
    user = make_user()
    session = core.sessions.create(user)
    core.sessions.delete(user, session.id)
    # What an upload still being stored when its session was deleted leaves behind (the
    # use cases refuse a deleted session, so it is written below them).
    straggler = an_artifact(session.id, user.id)
    core.ports.artifacts.add(straggler)
    clock.advance(DEFAULT_AFTER + DAY)
    assert core.purge.run().artifacts == 1
    assert core.ports.artifacts.get(straggler.id) is None


def test_the_daily_run_happens_once_a_day_per_deployment(
    core: ChatCore, clock: ManualClock
) -> None:
    jobs = MemoryPeriodicJobs()
    assert core.purge.run_daily(jobs, "one") is not None
    assert core.purge.run_daily(jobs, "two") is None
    clock.advance(timedelta(hours=23))
    assert core.purge.run_daily(jobs, "two") is None
    clock.advance(timedelta(hours=1))
    assert core.purge.run_daily(jobs, "two") is not None


def test_the_wait_comes_from_chatcore_purge_after_days() -> None:
    assert Settings.from_env({}, dotenv=None).purge_after_days == 30
    settings = Settings.from_env(
        {"CHATCORE_PURGE_AFTER_DAYS": "7", "CHATCORE_DATABASE_URL": "memory://"}, dotenv=None
    )
    with build(settings) as runtime:
        assert runtime.core.purge.after == timedelta(days=7)
        assert runtime.purge is not None and not runtime.purge.running
    with pytest.raises(ValueError, match="CHATCORE_PURGE_AFTER_DAYS"):
        Settings.from_env({"CHATCORE_PURGE_AFTER_DAYS": "a week"}, dotenv=None)
    with pytest.raises(ValueError, match="CHATCORE_PURGE_AFTER_DAYS must be 0 or more"):
        build(attrs.evolve(settings, purge_after_days=-1))


def test_the_purge_thread_checks_at_start_and_stops_when_asked(core: ChatCore) -> None:
    worker = PurgeWorker(core.purge, MemoryPeriodicJobs(), check_seconds=3600)
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while not core.ports.audit.query(AuditQuery(kind=AuditKind.PURGED)):
            assert time.monotonic() < deadline, "no purge ran at start"
            time.sleep(0.01)
    finally:
        began = time.monotonic()
        worker.stop()
    assert time.monotonic() - began < 5  # it does not sit out its hour
    assert not worker.running


def test_a_session_created_while_its_account_was_deleted_is_deleted_then_purged(
    core: ChatCore, clock: ManualClock, make_user: Callable[..., User]
) -> None:
    user, admin = make_user(), make_user(Role.ADMIN)
    core.accounts.delete(admin, user.id)
    # What a session create racing the account's deletion leaves: a live session.
    straggler = a_session(user.id)
    core.ports.sessions.add(straggler)
    clock.advance(DEFAULT_AFTER + DAY)
    assert core.purge.run().users == 1
    left = core.ports.sessions.get(straggler.id)
    assert left is not None and left.deleted_at == clock.now()
    clock.advance(DEFAULT_AFTER + DAY)
    assert core.purge.run().sessions == 1
    assert core.ports.sessions.get(straggler.id) is None
