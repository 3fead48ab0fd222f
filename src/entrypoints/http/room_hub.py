"""This process's room members, linked to other processes' through the room broker."""

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Generator, Sequence
from typing import Any

from starlette.types import Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from chatcore.accounts.model import User
from chatcore.shared.ids import UserId
from entrypoints.http.metrics import Metrics
from entrypoints.http.ports import RoomBroker
from entrypoints.http.room_sign_outs import SIGN_OUTS, BrokerSignOutNotices, signed_out_user

logger = logging.getLogger("chatcore.rooms")

SEND_QUEUE_LIMIT = 256  # events waiting for one client before it counts as stuck

# Close codes (RFC 6455): the spec's 1008 for policy violations, 1001 for going away,
# 1013 (try again later) for limits that lift with time.
NORMAL_CLOSURE = 1000
GOING_AWAY = 1001
POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013

# Where the outermost layer of the app (the edge) keeps, for a WebSocket, the `send` it was
# given: room members send events past Starlette's layers (DirectFrames).
SERVER_SEND = "chatcore.server_send"


# uvicorn's WebSocket protocol, recognized by name: uvicorn is the [server] extra, imported
# by `chatcore serve` only (a host may serve the app with another server).
UVICORN_PROTOCOL = "uvicorn.protocols.websockets.websockets_sansio_impl.WebSocketsSansIOProtocol"


def text_frame(event: str) -> bytes:
    """An event as the WebSocket frame a server sends (RFC 6455): FIN and text, the
    payload's length, the UTF-8 payload; unmasked, uncompressed."""
    payload = event.encode()
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 65536:
        return bytes((0x81, 126)) + size.to_bytes(2, "big") + payload
    return bytes((0x81, 127)) + size.to_bytes(8, "big") + payload


class DirectFrames:
    """Frames written straight to a connection of uvicorn's WebSocket protocol.

    A broadcast is one event to every member: framing it once, instead of once per member
    through the ASGI `send` (a message dict, a coroutine, uvicorn's checks, websockets'
    framing), took a fifth of a thousand-member broadcast's CPU. The frame is written
    only in the state where uvicorn's own `send` would write it at once: the handshake
    done, the connection open and writable (not paused by a full buffer), no close sent,
    no extension negotiated (serve turns permessage-deflate off); in any other state the
    member falls back to that `send`, which waits, refuses or compresses as it should.
    """

    def __init__(self, protocol: Any) -> None:
        self._protocol = protocol

    @classmethod
    def of(cls, send: Send | None) -> "DirectFrames | None":
        """For the `send` uvicorn gave a WebSocket connection; None for any other server's."""
        protocol = getattr(send, "__self__", None)
        kind = type(protocol)
        if f"{kind.__module__}.{kind.__qualname__}" != UVICORN_PROTOCOL:
            return None
        return cls(protocol)

    def write(self, frame: bytes) -> bool:
        """Write `frame` if uvicorn would send it at once; False (nothing written) if not."""
        protocol = self._protocol
        if (
            protocol.handshake_complete
            and protocol.writable.is_set()
            and not protocol.disconnected
            and not protocol.close_sent
            and not protocol.transport.is_closing()
            and protocol.initial_response is None
            and protocol.conn.state.name == "OPEN"
            and not protocol.conn.extensions
        ):
            protocol.transport.write(frame)
            return True
        return False


class Member:
    """One WebSocket in a room: each event is sent at once, or waits its turn in a backlog.

    Delivery never waits for a client. When the client's socket takes a frame at once
    (nearly always), the frame is sent on the spot: no task wakes up per member per event,
    which is most of what a broadcast to a thousand members would otherwise cost. When it
    cannot (the client reads slowly and its TCP window is full), that send is finished by
    the member's own writer, `pump`, and later events wait in a bounded backlog behind it,
    in order; a client whose backlog fills up is disconnected.
    """

    def __init__(self, websocket: WebSocket, user: User, room: str) -> None:
        self.websocket = websocket
        self.user = user
        self.room = room
        self.close_code: int | None = None
        self.close_reason = ""
        self.gone = asyncio.Event()  # set once the writer has stopped
        self._backlog: deque[str] = deque()
        # A send that had to wait, and what it waits on: the writer finishes it.
        self._unfinished: tuple[Generator[Any, None, None], Any] | None = None
        self._wake = asyncio.Event()
        self._writing = False  # the writer is sending: later events queue behind it
        scope = getattr(websocket, "scope", {})
        self._send: Send | None = scope.get(SERVER_SEND)
        self._direct = DirectFrames.of(self._send)

    def offer(self, event: str) -> None:
        """Send an event to this client, now or in turn; a client too far behind is let go."""
        if self.close_code is not None:
            return
        if self._writing or self._unfinished is not None:
            if len(self._backlog) >= SEND_QUEUE_LIMIT:
                self.close(POLICY_VIOLATION, "Too slow: events were piling up")
                return
            self._backlog.append(event)
            self._wake.set()
            return
        # Stepped by hand, as Python 3.12's eager tasks do: a send that needs no waiting
        # completes within this one step.
        send = self._send_event(event).__await__()
        try:
            waiting_on = send.send(None)
        except StopIteration:
            return
        except Exception:  # the client is gone: the writer winds the connection up
            self.close(NORMAL_CLOSURE)
            return
        self._unfinished = (send, waiting_on)
        self._wake.set()

    def offer_all(self, events: Sequence[str], frames: bytes) -> None:
        """Send events in order; `frames`: all of them framed (`text_frame`), written in one
        go where the connection takes them at once."""
        if self.close_code is not None:
            return
        idle = not self._writing and self._unfinished is None
        if idle and self._direct is not None and self._direct.write(frames):
            return
        for event in events:
            self.offer(event)

    def close(self, code: int, reason: str = "") -> None:
        """Close the connection once what is already waiting has been sent."""
        if self.close_code is not None:
            return
        self.close_code, self.close_reason = code, reason
        if len(self._backlog) >= SEND_QUEUE_LIMIT:
            # The client is stuck: drop its backlog and its waiting send, so the close goes
            # out at once.
            self._backlog.clear()
            if self._unfinished is not None:
                self._unfinished[0].close()
                self._unfinished = None
        self._wake.set()

    def _send_event(self, event: str) -> Awaitable[None]:
        if self._send is None:  # not served through chatcore's app (a host's, a test's)
            return self.websocket.send_text(event)
        return self._send({"type": "websocket.send", "text": event})

    async def pump(self) -> None:
        """Finish the sends that had to wait, until the member is closed; then close."""
        try:
            while True:
                self._writing = True
                if self._unfinished is not None:
                    await _finish(*self._unfinished)
                    self._unfinished = None
                while self._backlog:
                    await self._send_event(self._backlog.popleft())
                self._writing = False
                if self.close_code is not None:
                    break
                self._wake.clear()
                await self._wake.wait()
            if self.websocket.client_state is WebSocketState.CONNECTED:
                await self.websocket.close(self.close_code or GOING_AWAY, self.close_reason)
        except (WebSocketDisconnect, OSError):
            pass  # the client left first: nothing more to send it
        finally:
            if self.close_code is None:
                self.close_code = NORMAL_CLOSURE  # nothing more is offered to a lost client
            self._backlog.clear()
            if self._unfinished is not None:
                self._unfinished[0].close()
                self._unfinished = None
            self.gone.set()


async def _finish(send: Generator[Any, None, None], waiting_on: Any) -> None:
    """Run an awaitable stepped by hand to its end, from where it stopped on `waiting_on`."""
    while True:
        if waiting_on is None:  # a bare yield: it only gave way to others
            await asyncio.sleep(0)
        else:
            await asyncio.wait({waiting_on})
        try:
            waiting_on = send.send(None)
        except StopIteration:
            return


class TooManySockets(Exception):
    """The user already holds as many room sockets in this process as they may."""


class RoomHub:
    def __init__(
        self,
        broker: RoomBroker,
        metrics: Metrics | None = None,
        sign_outs: BrokerSignOutNotices | None = None,
    ) -> None:
        self._broker = broker
        self._sign_outs = sign_outs
        self._rooms: dict[str, set[Member]] = {}
        self._by_user: dict[UserId, set[Member]] = {}
        self._lock = asyncio.Lock()
        self._metrics = metrics
        self._pending: dict[str, list[str]] = {}  # room → events not delivered yet

    async def start(self) -> None:
        await self._broker.start(self._deliver)
        # Every process hears every sign-out: the user's sockets may be anywhere.
        await self._broker.join(SIGN_OUTS)
        if self._sign_outs is not None:
            self._sign_outs.bind(asyncio.get_running_loop())

    async def dismiss(self, timeout: float = 5.0) -> None:
        """Say goodbye (1001) to every member, and wait a little for the words to go out."""
        self.flush()
        members = [member for room in self._rooms.values() for member in room]
        for member in members:
            member.close(GOING_AWAY, "Server shutting down")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                for member in members:
                    await member.gone.wait()

    async def close(self) -> None:
        """Dismiss every member, then let go of the broker."""
        if self._sign_outs is not None:
            self._sign_outs.unbind()
        await self.dismiss()
        await self._broker.close()

    @contextlib.asynccontextmanager
    async def membership(self, member: Member, max_per_user: int = 0) -> AsyncIterator[None]:
        """Be one of the room's members for the duration of the block.

        TooManySockets, before the block, if the user already holds `max_per_user` sockets
        in this process (0: no cap).
        """
        user_id = member.user.id
        async with self._lock:
            held = self._by_user.setdefault(user_id, set())
            if max_per_user and len(held) >= max_per_user:
                raise TooManySockets(f"At most {max_per_user} room connections per user")
            members = self._rooms.setdefault(member.room, set())
            if not members:
                try:
                    await self._broker.join(member.room)
                except BaseException:
                    self._rooms.pop(member.room, None)
                    raise
            members.add(member)
            held.add(member)
        if self._metrics is not None:
            self._metrics.websockets.inc()
        try:
            yield
        finally:
            if self._metrics is not None:
                self._metrics.websockets.dec()
            async with self._lock:
                held = self._by_user.get(user_id, set())
                held.discard(member)
                if not held:
                    self._by_user.pop(user_id, None)
                members = self._rooms.get(member.room, set())
                members.discard(member)
                if not members:
                    self._rooms.pop(member.room, None)
                    await self._broker.leave(member.room)

    async def publish(self, room: str, event: dict[str, Any]) -> None:
        """Send an event to every member of `room`, in every process."""
        await self._broker.publish(room, json.dumps(event, ensure_ascii=False))

    def _deliver(self, room: str, event: str) -> None:
        if room == SIGN_OUTS:
            self.flush()  # what was said before the sign-out reaches its sockets first
            self._sign_out(event)
            return
        # Delivered at the end of this turn of the event loop, with whatever else was
        # published in it: a server that fell behind takes several frames of a busy room
        # in one turn, and then writes them to each member with one system call, not one
        # each (the send call is most of a delivery's cost).
        if not self._pending:
            asyncio.get_running_loop().call_soon(self.flush)
        self._pending.setdefault(room, []).append(event)

    def flush(self) -> None:
        """Deliver what was published since the last flush, to every member, in order."""
        pending, self._pending = self._pending, {}
        for room, events in pending.items():
            members = tuple(self._rooms.get(room, ()))
            if not members:
                continue
            frames = b"".join(text_frame(event) for event in events)
            for member in members:
                member.offer_all(events, frames)
            if self._metrics is not None:
                self._metrics.room_deliveries.inc(len(members) * len(events))

    def _sign_out(self, event: str) -> None:
        # The tokens that opened these sockets are revoked: the sockets go with them.
        user_id = signed_out_user(event)
        for member in tuple(self._by_user.get(user_id, ())) if user_id else ():
            member.close(POLICY_VIOLATION, "Signed out")
