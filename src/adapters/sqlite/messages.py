import sqlite3
from collections.abc import Sequence
from datetime import datetime

from adapters.sqlite import purging
from adapters.sqlite.connection import Connections
from adapters.sqlite.timelines import Timelines, entry_times
from chatcore.chats.model import Message, MessageRole
from chatcore.shared.ids import MessageId, SessionId, UserId


class SqliteMessageRepository(Timelines[Message]):
    # Read along messages_live_by_session_time.
    def __init__(self, connections: Connections) -> None:
        super().__init__(
            connections,
            "messages",
            "session_id",
            ("session_id", "author_id", "role", "content"),
            lambda message: (
                message.session_id,
                message.author_id,
                message.role.value,
                message.content,
            ),
            _to_message,
        )

    def remove_for_sessions(self, session_ids: Sequence[SessionId]) -> int:
        # Live and deleted rows apart: each half is a search along its partial index
        # (messages_live_by_session_time, messages_deleted_by_session); both at once, a scan.
        return sum(
            purging.delete_where_in(
                self._connections, "messages", "session_id", session_ids, where=liveness
            )
            for liveness in ("deleted_at IS NULL", "deleted_at IS NOT NULL")
        )

    def remove_deleted_before(self, cutoff: datetime) -> int:
        return purging.delete_deleted_before(self._connections, "messages", cutoff)


_ROLES = {role.value: role for role in MessageRole}


def _to_message(row: sqlite3.Row) -> Message:
    return Message(
        id=MessageId(row["id"]),
        session_id=SessionId(row["session_id"]),
        author_id=UserId(row["author_id"]),
        role=_ROLES[row["role"]],
        content=row["content"],
        **entry_times(row),
    )
