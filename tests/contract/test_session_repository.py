import threading
from typing import Any

import attrs

from tests.builders import a_session, at, new_id


def test_added_session_comes_back_whole(database: Any) -> None:
    session = a_session(new_id(), message_count=2, last_message_at=at(5))
    database.sessions.add(session)
    assert database.sessions.get(session.id) == session


def test_unknown_session_is_none(database: Any) -> None:
    assert database.sessions.get(new_id()) is None


def test_lists_live_sessions_of_one_user_most_recently_updated_first(database: Any) -> None:
    owner = new_id()
    older = a_session(owner, updated_at=at(1))
    newer = a_session(owner, updated_at=at(2))
    gone = a_session(owner, updated_at=at(3))
    someone_elses = a_session(new_id(), updated_at=at(4))
    for session in (older, newer, gone, someone_elses):
        database.sessions.add(session)
    database.sessions.mark_deleted(gone.id, at(5))
    assert [s.id for s in database.sessions.list_for_user(owner, 50)] == [newer.id, older.id]
    assert [s.id for s in database.sessions.list_for_user(owner, 1)] == [newer.id]


def test_rename_sets_title_and_updated_at(database: Any) -> None:
    session = a_session(new_id())
    database.sessions.add(session)
    renamed = database.sessions.rename(session.id, "New title", at(9))
    assert renamed == attrs.evolve(session, title="New title", updated_at=at(9))
    assert database.sessions.get(session.id) == renamed


def test_a_deleted_session_cannot_be_renamed(database: Any) -> None:
    session = a_session(new_id())
    database.sessions.add(session)
    database.sessions.mark_deleted(session.id, at(1))
    assert database.sessions.rename(session.id, "x", at(2)) is None


def test_recording_messages_counts_and_moves_times(database: Any) -> None:
    session = a_session(new_id())
    database.sessions.add(session)
    database.sessions.record_message(session.id, at(10))
    database.sessions.record_message(session.id, at(20))
    stored = database.sessions.get(session.id)
    assert (stored.message_count, stored.last_message_at, stored.updated_at) == (2, at(20), at(20))
    database.sessions.record_message_removed(session.id, at(10))
    stored = database.sessions.get(session.id)
    assert (stored.message_count, stored.last_message_at, stored.updated_at) == (1, at(10), at(20))
    database.sessions.record_message_removed(session.id, None)
    stored = database.sessions.get(session.id)
    assert (stored.message_count, stored.last_message_at) == (0, None)


def test_fifty_concurrent_sends_count_fifty(database: Any) -> None:
    session = a_session(new_id())
    database.sessions.add(session)
    threads = [
        threading.Thread(target=database.sessions.record_message, args=(session.id, at(i)))
        for i in range(50)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert database.sessions.get(session.id).message_count == 50


def test_mark_deleted_works_once(database: Any) -> None:
    session = a_session(new_id())
    database.sessions.add(session)
    assert database.sessions.mark_deleted(session.id, at(1)) is True
    assert database.sessions.mark_deleted(session.id, at(2)) is False
    assert database.sessions.get(session.id).deleted_at == at(1)


def test_deleting_a_users_sessions_returns_the_live_ones(database: Any) -> None:
    owner = new_id()
    live = [a_session(owner), a_session(owner)]
    already_gone = a_session(owner)
    other = a_session(new_id())
    for session in (*live, already_gone, other):
        database.sessions.add(session)
    database.sessions.mark_deleted(already_gone.id, at(1))
    deleted = database.sessions.mark_deleted_for_user(owner, at(2))
    assert sorted(deleted) == sorted(s.id for s in live)
    assert database.sessions.list_for_user(owner, 50) == []
    assert database.sessions.get(other.id).deleted_at is None
    assert database.sessions.get(already_gone.id).deleted_at == at(1)
