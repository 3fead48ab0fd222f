import sqlite3
from collections.abc import Sequence
from datetime import datetime

from adapters.sqlite import purging
from adapters.sqlite.connection import Connections
from adapters.sqlite.timelines import Timelines
from adapters.sqlite.timestamps import entity_times
from chatcore.chats.model import Message, MessageRole
from chatcore.shared.ids import SessionId


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
    # Unpacked by position and built without a keyword dict: this runs for every message
    # of a page, and by-name lookups and `**` were most of its cost.
    id_, session_id, author_id, role, content, created_ms, updated_ms, deleted_ms = row
    created_at, updated_at, deleted_at = entity_times(created_ms, updated_ms, deleted_ms)
    return Message(
        id=id_,
        session_id=session_id,
        author_id=author_id,
        role=_ROLES[role],
        content=content,
        created_at=created_at,
        updated_at=updated_at,
        deleted_at=deleted_at,
    )
