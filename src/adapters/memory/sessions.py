import threading
from collections.abc import Sequence
from datetime import datetime

import attrs

from adapters.memory.journal import Journal
from chatcore.chats.model import ChatSession
from chatcore.shared.ids import SessionId, UserId
from chatcore.shared.paging import Position


class MemorySessionRepository:
    def __init__(self, journal: Journal | None = None) -> None:
        self._sessions: dict[SessionId, ChatSession] = {}
        self._lock = threading.Lock()
        self._journal = journal or Journal()

    def add(self, session: ChatSession) -> None:
        with self._lock:
            self._journal.keep(self._sessions, session.id, self._lock)
            self._sessions[session.id] = attrs.evolve(session)

    def get(self, session_id: SessionId) -> ChatSession | None:
        with self._lock:
            session = self._sessions.get(session_id)
            return attrs.evolve(session) if session is not None else None

    def list_for_user(self, user_id: UserId, limit: int) -> list[ChatSession]:
        with self._lock:
            owned = [
                attrs.evolve(session)
                for session in self._sessions.values()
                if session.owner_id == user_id and session.deleted_at is None
            ]
        owned.sort(key=lambda session: (session.updated_at, session.id), reverse=True)
        return owned[:limit]

    def page_for_user(
        self, user_id: UserId, limit: int, after: Position | None = None
    ) -> list[ChatSession]:
        with self._lock:
            owned = [
                attrs.evolve(session)
                for session in self._sessions.values()
                if session.owner_id == user_id
                and session.deleted_at is None
                and (after is None or Position(session.updated_at, session.id) < after)
            ]
        owned.sort(key=lambda session: (session.updated_at, session.id), reverse=True)
        return owned[:limit]

    def update(self, session: ChatSession) -> bool:
        with self._lock:
            stored = self._live(session.id)
            if stored is None:
                return False
            self._journal.keep(self._sessions, session.id, self._lock)
            stored.title = session.title
            stored.updated_at = session.updated_at
            return True

    def record_message(self, session_id: SessionId, at: datetime) -> None:
        with self._lock:
            session = self._sessions.get(session_id)
            if session is not None:
                self._journal.keep(self._sessions, session_id, self._lock)
                session.message_count += 1
                session.last_message_at = at
                session.updated_at = at

    def record_message_removed(
        self, session_id: SessionId, last_message_at: datetime | None
    ) -> None:
        with self._lock:
            session = self._sessions.get(session_id)
            if session is not None:
                self._journal.keep(self._sessions, session_id, self._lock)
                session.message_count = max(0, session.message_count - 1)
                session.last_message_at = last_message_at

    def mark_deleted(self, session_id: SessionId, at: datetime) -> bool:
        with self._lock:
            session = self._live(session_id)
            if session is None:
                return False
            self._journal.keep(self._sessions, session_id, self._lock)
            session.deleted_at = at
            return True

    def mark_deleted_for_user(self, user_id: UserId, at: datetime) -> list[SessionId]:
        with self._lock:
            deleted = []
            for session in self._sessions.values():
                if session.owner_id == user_id and session.deleted_at is None:
                    self._journal.keep(self._sessions, session.id, self._lock)
                    session.deleted_at = at
                    deleted.append(session.id)
            return deleted

    def deleted_before(self, cutoff: datetime, limit: int) -> list[SessionId]:
        with self._lock:
            due = [
                session
                for session in self._sessions.values()
                if session.deleted_at is not None and session.deleted_at < cutoff
            ]
        due.sort(key=lambda session: (session.deleted_at, session.id))
        return [session.id for session in due[:limit]]

    def remove(self, session_ids: Sequence[SessionId]) -> None:
        with self._lock:
            for session_id in session_ids:
                self._journal.keep(self._sessions, session_id, self._lock)
                self._sessions.pop(session_id, None)

    def _live(self, session_id: SessionId) -> ChatSession | None:
        session = self._sessions.get(session_id)
        return session if session is not None and session.deleted_at is None else None
