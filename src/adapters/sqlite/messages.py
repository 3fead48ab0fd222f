import sqlite3
from datetime import datetime

from adapters.sqlite.connection import Connections
from adapters.sqlite.timestamps import from_ms, from_ms_or_none, to_ms, to_ms_or_none
from chatcore.chats import Message, MessageRole
from chatcore.ids import MessageId, SessionId, UserId

_SELECT = (
    "SELECT id, session_id, author_id, role, content, created_at, updated_at, deleted_at"
    " FROM messages"
)
# Both walk messages_live_by_session backwards from the end (or from `before`) and stop
# after `limit` rows: the cost does not depend on the session's size.
_LATEST = f"{_SELECT} WHERE session_id = ? AND deleted_at IS NULL ORDER BY id DESC LIMIT ?"
_LATEST_BEFORE = (
    f"{_SELECT} WHERE session_id = ? AND deleted_at IS NULL AND id < ? ORDER BY id DESC LIMIT ?"
)


class SqliteMessageRepository:
    def __init__(self, connections: Connections) -> None:
        self._connections = connections

    def add(self, message: Message) -> None:
        self._connections.get().execute(
            "INSERT INTO messages (id, session_id, author_id, role, content, created_at,"
            " updated_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                message.id,
                message.session_id,
                message.author_id,
                message.role.value,
                message.content,
                to_ms(message.created_at),
                to_ms(message.updated_at),
                to_ms_or_none(message.deleted_at),
            ),
        )

    def get(self, message_id: MessageId) -> Message | None:
        row = self._connections.get().execute(f"{_SELECT} WHERE id = ?", (message_id,)).fetchone()
        return _to_message(row) if row is not None else None

    def latest(
        self, session_id: SessionId, limit: int, before: MessageId | None = None
    ) -> list[Message]:
        connection = self._connections.get()
        if before is None:
            rows = connection.execute(_LATEST, (session_id, limit)).fetchall()
        else:
            rows = connection.execute(_LATEST_BEFORE, (session_id, before, limit)).fetchall()
        return [_to_message(row) for row in reversed(rows)]

    def mark_deleted(self, message_id: MessageId, at: datetime) -> bool:
        # Conditional, so of two concurrent deletes only one reports True and counts drop once.
        cursor = self._connections.get().execute(
            "UPDATE messages SET deleted_at = ?, updated_at = ?"
            " WHERE id = ? AND deleted_at IS NULL",
            (to_ms(at), to_ms(at), message_id),
        )
        return cursor.rowcount == 1


_ROLES = {role.value: role for role in MessageRole}


def _to_message(row: sqlite3.Row) -> Message:
    created_at = from_ms(row["created_at"])
    updated_ms = row["updated_at"]
    return Message(
        id=MessageId(row["id"]),
        session_id=SessionId(row["session_id"]),
        author_id=UserId(row["author_id"]),
        role=_ROLES[row["role"]],
        content=row["content"],
        created_at=created_at,
        # A live message was never updated: one conversion serves both times.
        updated_at=created_at if updated_ms == row["created_at"] else from_ms(updated_ms),
        deleted_at=from_ms_or_none(row["deleted_at"]),
    )
