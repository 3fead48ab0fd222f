import sqlite3

from adapters.sqlite.connection import Connections
from adapters.sqlite.timelines import Timelines, entry_times
from chatcore.chats import Message, MessageRole
from chatcore.ids import MessageId, SessionId, UserId


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
