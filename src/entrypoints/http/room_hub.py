"""This process's room members, linked to other processes' through the room broker."""

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from chatcore.ports import RoomBroker
from chatcore.users import User

logger = logging.getLogger("chatcore.rooms")

SEND_QUEUE_LIMIT = 256  # events waiting for one client before it counts as stuck

# Close codes (RFC 6455): the spec's 1008 for policy violations, 1001 for going away.
NORMAL_CLOSURE = 1000
GOING_AWAY = 1001
POLICY_VIOLATION = 1008


class Member:
    """One WebSocket in a room: events wait in a bounded queue, sent by one writer task.

    The queue is what keeps one slow client from delaying the rest: delivery only ever
    appends to it, and a client whose queue fills up is disconnected.
    """

    def __init__(self, websocket: WebSocket, user: User, room: str) -> None:
        self.websocket = websocket
        self.user = user
        self.room = room
        self._queue: asyncio.Queue[str | None] = asyncio.Queue(SEND_QUEUE_LIMIT)
        self.close_code: int | None = None
        self.close_reason = ""
        self.gone = asyncio.Event()  # set once the writer has stopped

    def offer(self, event: str) -> None:
        """Queue an event for this client; a client too far behind is let go."""
        if self.close_code is not None:
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.close(POLICY_VIOLATION, "Too slow: events were piling up")

    def close(self, code: int, reason: str = "") -> None:
        """Close the connection once what is already queued has been sent."""
        if self.close_code is not None:
            return
        self.close_code, self.close_reason = code, reason
        if self._queue.full():
            # The client is stuck: drop its backlog, so the close goes out at once.
            while not self._queue.empty():
                self._queue.get_nowait()
        self._queue.put_nowait(None)

    async def pump(self) -> None:
        """Send queued events until the member is closed, then close the connection."""
        try:
            while (event := await self._queue.get()) is not None:
                await self.websocket.send_text(event)
            if self.websocket.client_state is WebSocketState.CONNECTED:
                await self.websocket.close(self.close_code or GOING_AWAY, self.close_reason)
        except WebSocketDisconnect:
            pass  # the client left first: nothing more to send it
        finally:
            self.gone.set()


class RoomHub:
    def __init__(self, broker: RoomBroker) -> None:
        self._broker = broker
        self._rooms: dict[str, set[Member]] = {}
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        await self._broker.start(self._deliver)

    async def dismiss(self, timeout: float = 5.0) -> None:
        """Say goodbye (1001) to every member, and wait a little for the words to go out."""
        members = [member for room in self._rooms.values() for member in room]
        for member in members:
            member.close(GOING_AWAY, "Server shutting down")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                for member in members:
                    await member.gone.wait()

    async def close(self) -> None:
        """Dismiss every member, then let go of the broker."""
        await self.dismiss()
        await self._broker.close()

    @contextlib.asynccontextmanager
    async def membership(self, member: Member) -> AsyncIterator[None]:
        """Be one of the room's members for the duration of the block."""
        async with self._lock:
            members = self._rooms.setdefault(member.room, set())
            if not members:
                await self._broker.join(member.room)
            members.add(member)
        try:
            yield
        finally:
            async with self._lock:
                members = self._rooms.get(member.room, set())
                members.discard(member)
                if not members:
                    self._rooms.pop(member.room, None)
                    await self._broker.leave(member.room)

    async def publish(self, room: str, event: dict[str, Any]) -> None:
        """Send an event to every member of `room`, in every process."""
        await self._broker.publish(room, json.dumps(event, ensure_ascii=False))

    def _deliver(self, room: str, event: str) -> None:
        for member in tuple(self._rooms.get(room, ())):
            member.offer(event)
