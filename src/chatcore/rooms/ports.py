"""What rooms need: their message history (the broker between processes is the edge's)."""

from datetime import datetime
from typing import Protocol

from chatcore.rooms.model import RoomMessage
from chatcore.shared.ids import RoomMessageId
from chatcore.shared.paging import Position


class RoomMessageRepository(Protocol):
    def add(self, message: RoomMessage) -> None: ...

    def get(self, message_id: RoomMessageId) -> RoomMessage | None:
        """The room message with this id, deleted or not."""
        ...

    def latest(self, room: str, limit: int) -> list[RoomMessage]:
        """The newest `limit` live messages of `room`, oldest first, read along an index."""
        ...

    def page(self, room: str, limit: int, before: Position | None = None) -> list[RoomMessage]:
        """The newest `limit` live messages of `room` whose (created_at, id) is below
        `before`, oldest first, read along an index."""
        ...

    def mark_deleted(self, message_id: RoomMessageId, at: datetime) -> bool:
        """Soft-delete a live message; False if it was not live."""
        ...

    def remove_deleted_before(self, cutoff: datetime) -> int:
        """Forget the room messages soft-deleted before `cutoff`; how many there were."""
        ...
