import sqlite3
from collections.abc import Sequence
from datetime import datetime

from adapters.sqlite import purging
from adapters.sqlite.connection import Connections
from adapters.sqlite.timestamps import entity_times, from_ms, to_ms, to_ms_or_none
from chatcore.chats.model import ChatSession
from chatcore.shared.ids import SessionId, UserId
from chatcore.shared.paging import Position

_SELECT = (
    "SELECT id, owner_id, title, message_count, created_at, updated_at,"
    " last_message_at, deleted_at FROM sessions"
)


class SqliteSessionRepository:
    def __init__(self, connections: Connections) -> None:
        self._connections = connections

    def add(self, session: ChatSession) -> None:
        self._connections.get().execute(
            "INSERT INTO sessions (id, owner_id, title, message_count, created_at, updated_at,"
            " last_message_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                session.id,
                session.owner_id,
                session.title,
                session.message_count,
                to_ms(session.created_at),
                to_ms(session.updated_at),
                to_ms_or_none(session.last_message_at),
                to_ms_or_none(session.deleted_at),
            ),
        )

    def get(self, session_id: SessionId) -> ChatSession | None:
        return _fetch(self._connections.get(), session_id)

    def list_for_user(self, user_id: UserId, limit: int) -> list[ChatSession]:
        rows = (
            self._connections.get()
            .execute(
                f"{_SELECT} WHERE owner_id = ? AND deleted_at IS NULL"
                " ORDER BY updated_at DESC, id DESC LIMIT ?",
                (user_id, limit),
            )
            .fetchall()
        )
        return [_to_session(row) for row in rows]

    def page_for_user(
        self, user_id: UserId, limit: int, after: Position | None = None
    ) -> list[ChatSession]:
        if after is None:
            return self.list_for_user(user_id, limit)
        # Along sessions_live_by_owner, from the place the previous page ended.
        rows = (
            self._connections.get()
            .execute(
                f"{_SELECT} WHERE owner_id = ? AND deleted_at IS NULL"
                " AND (updated_at, id) < (?, ?)"
                " ORDER BY updated_at DESC, id DESC LIMIT ?",
                (user_id, to_ms(after.at), after.id, limit),
            )
            .fetchall()
        )
        return [_to_session(row) for row in rows]

    def update(self, session: ChatSession) -> bool:
        cursor = self._connections.get().execute(
            "UPDATE sessions SET title = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL",
            (session.title, to_ms(session.updated_at), session.id),
        )
        return cursor.rowcount == 1

    def record_message(self, session_id: SessionId, at: datetime) -> None:
        # Counting in SQL, not read-modify-write in Python, keeps concurrent sends from
        # losing counts.
        self._connections.get().execute(
            "UPDATE sessions SET message_count = message_count + 1,"
            " last_message_at = ?, updated_at = ? WHERE id = ?",
            (to_ms(at), to_ms(at), session_id),
        )

    def record_message_removed(
        self, session_id: SessionId, last_message_at: datetime | None
    ) -> None:
        self._connections.get().execute(
            "UPDATE sessions SET message_count = MAX(message_count - 1, 0),"
            " last_message_at = ? WHERE id = ?",
            (to_ms_or_none(last_message_at), session_id),
        )

    def mark_deleted(self, session_id: SessionId, at: datetime) -> bool:
        cursor = self._connections.get().execute(
            "UPDATE sessions SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
            (to_ms(at), session_id),
        )
        return cursor.rowcount == 1

    def mark_deleted_for_user(self, user_id: UserId, at: datetime) -> list[SessionId]:
        # One transaction, so the ids returned are exactly the sessions this call deleted.
        with self._connections.transaction() as connection:
            rows = connection.execute(
                "SELECT id FROM sessions WHERE owner_id = ? AND deleted_at IS NULL", (user_id,)
            ).fetchall()
            connection.execute(
                "UPDATE sessions SET deleted_at = ? WHERE owner_id = ? AND deleted_at IS NULL",
                (to_ms(at), user_id),
            )
        return [SessionId(row["id"]) for row in rows]

    def deleted_before(self, cutoff: datetime, limit: int) -> list[SessionId]:
        rows = purging.deleted_before(self._connections, "sessions", cutoff, limit)
        return [SessionId(row["id"]) for row in rows]

    def remove(self, session_ids: Sequence[SessionId]) -> None:
        purging.delete_where_in(self._connections, "sessions", "id", session_ids)


def _fetch(connection: sqlite3.Connection, session_id: SessionId) -> ChatSession | None:
    row = connection.execute(f"{_SELECT} WHERE id = ?", (session_id,)).fetchone()
    return _to_session(row) if row is not None else None


def _to_session(row: sqlite3.Row) -> ChatSession:
    # By position, each time converted once: a page of sessions runs this for every row.
    id_, owner_id, title, message_count, created_ms, updated_ms, last_ms, deleted_ms = row
    created_at, updated_at, deleted_at = entity_times(created_ms, updated_ms, deleted_ms)
    # A message's arrival updates the session: its last message is often its last update.
    last_message_at = (
        None if last_ms is None else updated_at if last_ms == updated_ms else from_ms(last_ms)
    )
    return ChatSession(
        id=id_,
        owner_id=owner_id,
        title=title,
        message_count=message_count,
        created_at=created_at,
        updated_at=updated_at,
        last_message_at=last_message_at,
        deleted_at=deleted_at,
    )
