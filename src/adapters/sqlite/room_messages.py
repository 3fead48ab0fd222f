import sqlite3
from datetime import datetime

from adapters.sqlite import purging
from adapters.sqlite.connection import Connections
from adapters.sqlite.timelines import Timelines
from adapters.sqlite.timestamps import entity_times
from chatcore.rooms.model import RoomMessage


class SqliteRoomMessageRepository(Timelines[RoomMessage]):
    # Read along room_messages_live_by_room_time; room names compare case-sensitively (BINARY).
    def __init__(self, connections: Connections) -> None:
        super().__init__(
            connections,
            "room_messages",
            "room",
            ("room", "author_id", "username", "content"),
            lambda message: (message.room, message.author_id, message.username, message.content),
            _to_room_message,
        )

    def remove_deleted_before(self, cutoff: datetime) -> int:
        return purging.delete_deleted_before(self._connections, "room_messages", cutoff)


def _to_room_message(row: sqlite3.Row) -> RoomMessage:
    id_, room, author_id, username, content, created_ms, updated_ms, deleted_ms = row
    created_at, updated_at, deleted_at = entity_times(created_ms, updated_ms, deleted_ms)
    return RoomMessage(
        id=id_,
        room=room,
        author_id=author_id,
        username=username,
        content=content,
        created_at=created_at,
        updated_at=updated_at,
        deleted_at=deleted_at,
    )
