"""WS /chat/ws/{room}: real-time room chat over a WebSocket."""

import json
import logging
import math
from datetime import datetime

import anyio
from starlette.websockets import WebSocket, WebSocketDisconnect

from chatcore.rooms.model import ROOM_CONTENT_MAX_LENGTH, check_room
from chatcore.shared.errors import DomainError, Unauthenticated
from entrypoints.http.converter import unstructure
from entrypoints.http.limits import RateLimits
from entrypoints.http.offload import run
from entrypoints.http.openapi import ApiWebSocketRoute
from entrypoints.http.origins import OriginPolicy
from entrypoints.http.room_events import MessageEventOut, SystemEventOut, error_event
from entrypoints.http.room_hub import (
    NORMAL_CLOSURE,
    POLICY_VIOLATION,
    TRY_AGAIN_LATER,
    Member,
    RoomHub,
    TooManySockets,
)
from entrypoints.http.security import core_of, socket_user
from entrypoints.settings import DEFAULT_RATES

logger = logging.getLogger("chatcore.rooms")

# Refused frames in a row after which the client is taken to be a flood, not a person.
REFUSALS_BEFORE_CLOSE = 20


async def room_socket(websocket: WebSocket) -> None:
    # Accept first: a close before the handshake reaches a browser as a bare failure,
    # while a close after it carries the code (1008, 1013) the client can act on.
    await websocket.accept()
    origins: OriginPolicy = websocket.app.state.room_origins
    if not origins.admits(websocket.headers.get("origin"), websocket.headers.get("host")):
        # Before anything else: a cross-site page must not even learn whether it is signed in.
        await websocket.close(POLICY_VIOLATION, "Origin not allowed")
        return
    limits: RateLimits | None = websocket.app.state.rate_limits
    if limits is not None and await _too_many_connects(websocket, limits, "ip"):
        return
    try:
        user, expires_at = await socket_user(websocket)
        room = check_room(websocket.path_params["room"])
    except DomainError as error:
        await websocket.close(POLICY_VIOLATION, error.message)
        return
    if limits is not None and await _too_many_connects(websocket, limits, "user", user.id):
        return
    hub: RoomHub = websocket.app.state.room_hub
    member = Member(websocket, user, room)
    try:
        async with hub.membership(member, websocket.app.state.room_sockets_per_user):
            # A sign-out between the token check and joining was told to nobody here yet:
            # from now on the hub hears it; until now, the account says so.
            try:
                joined = await run(websocket, core_of(websocket).rooms.join, user, room)
            except Unauthenticated as error:
                member.close(POLICY_VIOLATION, error.message)
                await member.pump()  # sends what the room offered meanwhile, then closes
                return
            await hub.publish(room, unstructure(SystemEventOut.of(joined)))
            async with anyio.create_task_group() as tasks:
                if expires_at is not None:
                    tasks.start_soon(_close_at_expiry, member, expires_at)
                tasks.start_soon(_receive, websocket, member, hub)
                await member.pump()
                tasks.cancel_scope.cancel()
    except TooManySockets as error:
        await websocket.close(TRY_AGAIN_LATER, str(error))
        return
    left = core_of(websocket).rooms.leave(user, room)
    await hub.publish(room, unstructure(SystemEventOut.of(left)))


async def _too_many_connects(
    websocket: WebSocket, limits: RateLimits, kind: str, user_id: str | None = None
) -> bool:
    """Count one room connect against the client's address or user; close if over."""
    who = limits.addresses.of(websocket.scope) if user_id is None else user_id
    wait = await limits.limiter.acquire(
        [f"room_connect:{kind}:{who}"], limits.rates["room_connect"]
    )
    if wait <= 0:
        return False
    seconds = max(1, math.ceil(wait))
    await websocket.close(TRY_AGAIN_LATER, f"Too many connections: try again in {seconds} s")
    return True


async def _receive(websocket: WebSocket, member: Member, hub: RoomHub) -> None:
    """Store and broadcast each frame from the client until it goes."""
    core = core_of(websocket)
    limits: RateLimits | None = websocket.app.state.rate_limits
    # Per user, not per socket: ten sockets (or ten processes) share one allowance.
    frame_keys = [f"room_messages:user:{member.user.id}"]
    refusals = 0
    try:
        while True:
            frame = await websocket.receive()
            if frame["type"] == "websocket.disconnect":
                break
            if limits is not None and (
                await limits.limiter.acquire(frame_keys, limits.rates["room_messages"]) > 0
            ):
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
            except Unauthenticated as error:
                # Signed out since joining (deactivated, deleted, tokens revoked).
                member.close(POLICY_VIOLATION, error.message)
                return
            except DomainError as error:
                member.offer(error_event(error.message))
                continue
            await hub.publish(member.room, unstructure(MessageEventOut.of(message)))
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


_FRAMES = DEFAULT_RATES["room_messages"]
_CONNECTS = DEFAULT_RATES["room_connect"]
DESCRIPTION = f"""\
Real-time chat in a room: `ws://HOST/chat/ws/{{room}}?token=<access_token>`.

- A missing, invalid or expired token: the connection is accepted, then closed with
  `1008`. A connection is closed with `1008` when its token expires, when the user's
  sign-ins are revoked (password change or reset, email change, deactivation, deletion,
  refresh-token reuse; any frame sent after that is neither stored nor sent on), and with
  `1001` when the server shuts down.
- A browser page may connect only from the server's own origin or an allowed one
  (`CHATCORE_ROOM_ORIGINS`, by default the CORS origins): another `Origin` is closed with
  `1008`. A handshake without `Origin` (no browser) is let in.
- Room names are 1–64 letters, digits, `_`, `.` or `-`, and not `.` or `..`; another
  name is closed with `1008`.
- Opening sockets too fast is closed with `1013` (`CHATCORE_RATE_LIMIT_ROOM_CONNECT`, per
  client address and per user: by default {_CONNECTS.limit} at once, then one every
  {_CONNECTS.period / _CONNECTS.limit:g} s), and so is a socket beyond
  `CHATCORE_ROOM_SOCKETS_PER_USER` (20) open at once by one user in one server process.
- On connect every member hears `{{"type": "system", "content": "<username> joined the
  room", "room", "timestamp"}}`; on disconnect the others hear `… left the room`.
- Send text frames `{{"content": "..."}}` (1–{ROOM_CONTENT_MAX_LENGTH:,} characters): each
  is stored and sent to every member, the sender included, as `{{"type": "message", "_id",
  "user_id", "username", "content", "room", "created_at"}}`.
- A frame that is not such JSON gets `{{"type": "error", "detail": "..."}}` back, and the
  connection stays open. Frames past the room-message rate get an error frame too, and a
  client that keeps going is closed with `1008` (`CHATCORE_RATE_LIMIT_ROOM_MESSAGES`, per
  user over all their sockets and server processes: by default {_FRAMES.limit} frames at
  once, then {_FRAMES.limit / _FRAMES.period:g} a second).
- A room message deleted over REST is announced as `{{"type": "deleted", "_id", "room"}}`.
"""

routes = [ApiWebSocketRoute("/chat/ws/{room}", room_socket, DESCRIPTION)]
