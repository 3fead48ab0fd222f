"""The in-process room broker: events reach this process's members only (the default)."""

from collections.abc import Callable


class MemoryRoomBroker:
    def __init__(self) -> None:
        self._deliver: Callable[[str, str], None] | None = None
        self._rooms: set[str] = set()

    async def start(self, deliver: Callable[[str, str], None]) -> None:
        self._deliver = deliver

    async def join(self, room: str) -> None:
        self._rooms.add(room)

    async def leave(self, room: str) -> None:
        self._rooms.discard(room)

    async def publish(self, room: str, event: str) -> None:
        if self._deliver is not None and room in self._rooms:
            self._deliver(room, event)

    async def close(self) -> None:
        self._deliver = None
        self._rooms.clear()
