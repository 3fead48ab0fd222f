"""The contract of `chatcore.ports.SessionRepository`."""

import random
import threading

import attrs
import pytest

from chatcore.chats.model import ChatSession
from chatcore.chats.ports import SessionRepository
from chatcore.shared.ids import SessionId, UserId
from chatcore.shared.paging import Position
from chatcore_embed.testing.builders import a_session, at, new_id
from chatcore_embed.testing.walks import PAGE, WALKED, millisecond, shuffled_ids, visited_once, walk


def _place(session: ChatSession) -> Position:
    return Position(session.updated_at, session.id)


def _stored(sessions: SessionRepository, session_id: SessionId) -> ChatSession:
    session = sessions.get(session_id)
    assert session is not None, f"session {session_id} is gone"
    return session


class SessionRepositoryContract:
    """What every SessionRepository promises; an adapter is done when this suite passes.

    Subclass it in a test module (`class Test…(SessionRepositoryContract)`) and define the
    `sessions` fixture: an empty repository, fresh for each test.
    """

    @pytest.fixture
    def sessions(self) -> SessionRepository:
        pytest.fail(f"{type(self).__name__} must define the `sessions` fixture", pytrace=False)

    def test_added_session_comes_back_whole(self, sessions: SessionRepository) -> None:
        session = a_session(new_id(), message_count=2, last_message_at=at(5))
        sessions.add(session)
        assert sessions.get(session.id) == session

    def test_unknown_session_is_none(self, sessions: SessionRepository) -> None:
        assert sessions.get(SessionId(new_id())) is None

    def test_lists_live_sessions_of_one_user_most_recently_updated_first(
        self, sessions: SessionRepository
    ) -> None:
        owner = UserId(new_id())
        older = a_session(owner, updated_at=at(1))
        newer = a_session(owner, updated_at=at(2))
        gone = a_session(owner, updated_at=at(3))
        someone_elses = a_session(new_id(), updated_at=at(4))
        for session in (older, newer, gone, someone_elses):
            sessions.add(session)
        sessions.mark_deleted(gone.id, at(5))
        assert [s.id for s in sessions.list_for_user(owner, 50)] == [newer.id, older.id]
        assert [s.id for s in sessions.list_for_user(owner, 1)] == [newer.id]

    def test_rename_sets_title_and_updated_at(self, sessions: SessionRepository) -> None:
        session = a_session(new_id())
        sessions.add(session)
        renamed = attrs.evolve(session, title="New title", updated_at=at(9))
        assert sessions.update(renamed) is True
        assert sessions.get(session.id) == renamed

    def test_a_deleted_session_cannot_be_renamed(self, sessions: SessionRepository) -> None:
        session = a_session(new_id())
        sessions.add(session)
        sessions.mark_deleted(session.id, at(1))
        assert sessions.update(attrs.evolve(session, title="x", updated_at=at(2))) is False
        assert _stored(sessions, session.id).title == session.title

    def test_an_update_keeps_the_messages_counted_meanwhile(
        self, sessions: SessionRepository
    ) -> None:
        session = a_session(new_id())
        sessions.add(session)
        read_before_the_send = _stored(sessions, session.id)
        sessions.record_message(session.id, at(10))
        sessions.update(attrs.evolve(read_before_the_send, title="Renamed", updated_at=at(11)))
        stored = _stored(sessions, session.id)
        assert (stored.title, stored.message_count, stored.last_message_at) == (
            "Renamed",
            1,
            at(10),
        )

    def test_recording_messages_counts_and_moves_times(self, sessions: SessionRepository) -> None:
        session = a_session(new_id())
        sessions.add(session)
        sessions.record_message(session.id, at(10))
        sessions.record_message(session.id, at(20))
        stored = _stored(sessions, session.id)
        assert (stored.message_count, stored.last_message_at, stored.updated_at) == (
            2,
            at(20),
            at(20),
        )
        sessions.record_message_removed(session.id, at(10))
        stored = _stored(sessions, session.id)
        assert (stored.message_count, stored.last_message_at, stored.updated_at) == (
            1,
            at(10),
            at(20),
        )
        sessions.record_message_removed(session.id, None)
        stored = _stored(sessions, session.id)
        assert (stored.message_count, stored.last_message_at) == (0, None)

    def test_fifty_concurrent_sends_count_fifty(self, sessions: SessionRepository) -> None:
        session = a_session(new_id())
        sessions.add(session)
        threads = [
            threading.Thread(target=sessions.record_message, args=(session.id, at(i)))
            for i in range(50)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert _stored(sessions, session.id).message_count == 50

    def test_mark_deleted_works_once(self, sessions: SessionRepository) -> None:
        session = a_session(new_id())
        sessions.add(session)
        assert sessions.mark_deleted(session.id, at(1)) is True
        assert sessions.mark_deleted(session.id, at(2)) is False
        assert _stored(sessions, session.id).deleted_at == at(1)

    def test_deleting_a_users_sessions_returns_the_live_ones(
        self, sessions: SessionRepository
    ) -> None:
        owner = UserId(new_id())
        live = [a_session(owner), a_session(owner)]
        already_gone = a_session(owner)
        other = a_session(new_id())
        for session in (*live, already_gone, other):
            sessions.add(session)
        sessions.mark_deleted(already_gone.id, at(1))
        deleted = sessions.mark_deleted_for_user(owner, at(2))
        assert sorted(deleted) == sorted(s.id for s in live)
        assert sessions.list_for_user(owner, 50) == []
        assert _stored(sessions, other.id).deleted_at is None
        assert _stored(sessions, already_gone.id).deleted_at == at(1)

    def test_a_walk_through_the_pages_visits_each_unchanged_session_once(
        self, sessions: SessionRepository
    ) -> None:
        owner = UserId(new_id())
        ids = shuffled_ids(WALKED, seed=355)
        existing = [
            a_session(owner, id=SessionId(ids[n]), updated_at=millisecond(n // 3))
            for n in range(WALKED)
        ]
        for session in random.Random(35).sample(existing, WALKED):
            sessions.add(session)
        sessions.add(a_session(UserId(new_id()), updated_at=millisecond(5)))
        changed: set[str] = set()

        def meanwhile(pages_read: int) -> None:
            # A new session, and a message in an old one: both move to the front of the list.
            sessions.add(a_session(owner, updated_at=millisecond(2 * WALKED + pages_read)))
            moved = existing[(pages_read * 131) % WALKED]
            sessions.record_message(moved.id, millisecond(3 * WALKED + pages_read))
            changed.add(moved.id)

        pages = walk(
            lambda after: sessions.page_for_user(owner, PAGE, after),
            lambda found: _place(found[-1]),
            meanwhile,
        )
        visited_once(pages, existing, changed)
        for found in pages:
            assert [_place(s) for s in found] == sorted((_place(s) for s in found), reverse=True)
        assert {s.owner_id for found in pages for s in found} == {owner}
