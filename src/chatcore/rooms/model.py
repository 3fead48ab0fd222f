"""Chat rooms: open, named conversations that any signed-in user may join and read."""

import re
from datetime import datetime

import attrs

from chatcore.shared.errors import InvalidInput
from chatcore.shared.ids import RoomMessageId, UserId

ROOM_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
DOT_SEGMENTS = frozenset({".", ".."})
ROOM_CONTENT_MAX_LENGTH = 4000


@attrs.define
class RoomMessage:
    id: RoomMessageId
    room: str
    author_id: UserId
    username: str  # as it was when the message was sent
    content: str
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None


@attrs.frozen
class RoomNotice:
    """What the server itself tells a room's members (someone joined or left)."""

    room: str
    content: str
    at: datetime

    @classmethod
    def joined(cls, room: str, username: str, at: datetime) -> "RoomNotice":
        """The notice that `username` joined `room`."""
        return cls(room, f"{username} joined the room", at)

    @classmethod
    def left(cls, room: str, username: str, at: datetime) -> "RoomNotice":
        """The notice that `username` left `room`."""
        return cls(room, f"{username} left the room", at)


def check_room(name: str) -> str:
    """Return a valid room name: 1–64 letters, digits, '_', '.' or '-', not '.' or '..'."""
    # '.' and '..' are path segments to every URL parser on the way (clients, proxies,
    # caches): a room by that name would be reached, or not, depending on who normalizes.
    if not ROOM_NAME.fullmatch(name) or name in DOT_SEGMENTS:
        raise InvalidInput(
            "Room names are 1-64 characters of letters, digits, '_', '.' or '-',"
            " and not '.' or '..'"
        )
    return name


def check_room_content(content: str) -> str:
    """Return valid room message content (1–4,000 characters, not blank)."""
    if not content.strip() or len(content) > ROOM_CONTENT_MAX_LENGTH:
        raise InvalidInput(f"Content must be 1-{ROOM_CONTENT_MAX_LENGTH} characters and not blank")
    return content
