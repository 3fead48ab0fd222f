"""What rooms need: their message history; and the broker between server processes, which
only the HTTP edge uses (it is not in `chatcore.Ports`; import it from
`entrypoints.http.ports`)."""

from collections.abc import Callable
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


class RoomBroker(Protocol):
    """Carries room events between the connections of every server process.

    Events are JSON text, serialized once by the sender and delivered as is. Each process
    has one listener (`deliver`), and joins the rooms its connections are in.
    """

    async def start(self, deliver: Callable[[str, str], None]) -> None:
        """Begin delivering events of joined rooms as deliver(room, event)."""
        ...

    async def join(self, room: str) -> None:
        """Receive the events of `room` from now on."""
        ...

    async def leave(self, room: str) -> None: ...

    async def publish(self, room: str, event: str) -> None:
        """Send `event` to every process that has joined `room` (this one included)."""
        ...

    async def close(self) -> None: ...
