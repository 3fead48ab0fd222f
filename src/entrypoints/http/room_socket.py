"""WS /chat/ws/{room}: real-time room chat over a WebSocket."""

import json
import logging
import time
from datetime import datetime
from typing import Any

import anyio
from starlette.websockets import WebSocket, WebSocketDisconnect

from chatcore.errors import DomainError
from chatcore.rate_limits import Rate, admit
from chatcore.rooms import ROOM_CONTENT_MAX_LENGTH, RoomMessage, check_room
from entrypoints.http.limits import RateLimits
from entrypoints.http.offload import run
from entrypoints.http.openapi import ApiWebSocketRoute
from entrypoints.http.room_hub import NORMAL_CLOSURE, POLICY_VIOLATION, Member, RoomHub
from entrypoints.http.security import core_of, socket_user
from entrypoints.http.views import timestamp
from entrypoints.settings import DEFAULT_RATES

logger = logging.getLogger("chatcore.rooms")

# Refused frames in a row after which the client is taken to be a flood, not a person.
REFUSALS_BEFORE_CLOSE = 20


class FrameRate:
    """The `room_messages` rate of one connection: the same GCRA rule as HTTP routes.

    Kept per connection, in the connection's own task: a frame is judged where it is
    read, with no limiter round trip between a person and their room.
    """

    def __init__(self, rate: Rate) -> None:
        self._rate = rate
        self._tat: float | None = None

    def take(self) -> bool:
        decision = admit(self._tat, time.monotonic(), self._rate)
        self._tat = decision.tat
        return decision.admitted


def message_event(message: RoomMessage) -> dict[str, Any]:
    return {
        "type": "message",
        "_id": message.id,
        "user_id": message.author_id,
        "username": message.username,
        "content": message.content,
        "room": message.room,
        "created_at": timestamp(message.created_at),
    }


def system_event(room: str, content: str, at: datetime) -> dict[str, Any]:
    return {"type": "system", "content": content, "room": room, "timestamp": timestamp(at)}


def error_event(detail: str) -> str:
    return json.dumps({"type": "error", "detail": detail})


async def room_socket(websocket: WebSocket) -> None:
    # Accept first: a close before the handshake reaches a browser as a bare failure,
    # while a close after it carries the code (1008) the client can act on.
    await websocket.accept()
    try:
        user, expires_at = await socket_user(websocket)
        room = check_room(websocket.path_params["room"])
    except DomainError as error:
        await websocket.close(POLICY_VIOLATION, error.message)
        return
    hub: RoomHub = websocket.app.state.room_hub
    member = Member(websocket, user, room)
    async with hub.membership(member):
        await hub.publish(
            room, system_event(room, f"{user.username} joined the room", _now(websocket))
        )
        async with anyio.create_task_group() as tasks:
            if expires_at is not None:
                tasks.start_soon(_close_at_expiry, member, expires_at)
            tasks.start_soon(_receive, websocket, member, hub)
            await member.pump()
            tasks.cancel_scope.cancel()
    left = system_event(room, f"{user.username} left the room", _now(websocket))
    await hub.publish(room, left)


async def _receive(websocket: WebSocket, member: Member, hub: RoomHub) -> None:
    """Store and broadcast each frame from the client until it goes."""
    core = core_of(websocket)
    limits: RateLimits | None = websocket.app.state.rate_limits
    bucket = None if limits is None else FrameRate(limits.rates["room_messages"])
    refusals = 0
    try:
        while True:
            frame = await websocket.receive()
            if frame["type"] == "websocket.disconnect":
                break
            if bucket is not None and not bucket.take():
                refusals += 1
                if refusals >= REFUSALS_BEFORE_CLOSE:
                    member.close(POLICY_VIOLATION, "Too many messages")
                    return
                member.offer(error_event("Too many messages: slow down"))
                continue
            refusals = 0
            content = _content_of(frame.get("text"))
            if content is None:
                member.offer(error_event('Send JSON text frames: {"content": "..."}'))
                continue
            try:
                message = await run(websocket, core.rooms.post, member.user, member.room, content)
            except DomainError as error:
                member.offer(error_event(error.message))
                continue
            await hub.publish(member.room, message_event(message))
    except WebSocketDisconnect:
        pass
    finally:
        # However the conversation ended, the writer stops too.
        member.close(NORMAL_CLOSURE)


def _content_of(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        frame = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(frame, dict) or set(frame) != {"content"}:
        return None
    content = frame["content"]
    return content if isinstance(content, str) else None


async def _close_at_expiry(member: Member, expires_at: datetime) -> None:
    # The token was checked once, at connect; a connection must not outlive it.
    remaining = (expires_at - datetime.now(expires_at.tzinfo)).total_seconds()
    await anyio.sleep(max(0.0, remaining))
    member.close(POLICY_VIOLATION, "Token expired")


def _now(websocket: WebSocket) -> datetime:
    return core_of(websocket).ports.clock.now()


_FRAMES = DEFAULT_RATES["room_messages"]
DESCRIPTION = f"""\
Real-time chat in a room: `ws://HOST/chat/ws/{{room}}?token=<access_token>`.

- A missing, invalid or expired token: the connection is accepted, then closed with
  `1008`. A connection is closed with `1008` when its token expires, and with `1001` when
  the server shuts down.
- On connect every member hears `{{"type": "system", "content": "<username> joined the
  room", "room", "timestamp"}}`; on disconnect the others hear `… left the room`.
- Send text frames `{{"content": "..."}}` (1–{ROOM_CONTENT_MAX_LENGTH:,} characters): each
  is stored and sent to every member, the sender included, as `{{"type": "message", "_id",
  "user_id", "username", "content", "room", "created_at"}}`.
- A frame that is not such JSON gets `{{"type": "error", "detail": "..."}}` back, and the
  connection stays open. Frames past the room-message rate get an error frame too, and a
  client that keeps going is closed with `1008` (`CHATCORE_RATE_LIMIT_ROOM_MESSAGES`,
  by default {_FRAMES.limit} frames at once, then {_FRAMES.limit / _FRAMES.period:g} a second).
- A room message deleted over REST is announced as `{{"type": "deleted", "_id", "room"}}`.
"""

routes = [ApiWebSocketRoute("/chat/ws/{room}", room_socket, DESCRIPTION)]
