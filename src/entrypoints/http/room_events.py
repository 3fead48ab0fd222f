"""What room members hear over the room socket, as typed values the converter encodes."""

import json
from datetime import datetime
from typing import Literal, Self

import attrs

from chatcore.rooms.model import RoomMessage, RoomNotice
from chatcore.shared.ids import RoomMessageId, UserId
from entrypoints.http.converter import unstructure


@attrs.frozen
class MessageEventOut:
    """A message posted to the room; the sender hears it too."""

    type: Literal["message"]
    _id: RoomMessageId
    user_id: UserId
    username: str  # as it was when the message was sent
    content: str
    room: str
    created_at: datetime

    @classmethod
    def of(cls, message: RoomMessage) -> Self:
        return cls(
            "message",
            message.id,
            message.author_id,
            message.username,
            message.content,
            message.room,
            message.created_at,
        )


@attrs.frozen
class SystemEventOut:
    """Someone joined or left the room."""

    type: Literal["system"]
    content: str
    room: str
    timestamp: datetime

    @classmethod
    def of(cls, notice: RoomNotice) -> Self:
        return cls("system", notice.content, notice.room, notice.at)


@attrs.frozen
class DeletedEventOut:
    """One of the room's messages was deleted over REST."""

    type: Literal["deleted"]
    _id: RoomMessageId
    room: str

    @classmethod
    def of(cls, message: RoomMessage) -> Self:
        return cls("deleted", message.id, message.room)


@attrs.frozen
class ErrorEventOut:
    """A frame that was not taken, to its sender only; the connection stays open."""

    type: Literal["error"]
    detail: str


def error_event(detail: str) -> str:
    """The text frame that tells the sender why a frame was not taken."""
    # Encoded as the room hub encodes the events it fans out (json.dumps, whose separators
    # have spaces), so that every frame of a socket keeps the bytes it had.
    return json.dumps(unstructure(ErrorEventOut("error", detail)))


# Every event a room socket sends, for the tests that hold them to their schemas.
ROOM_EVENTS = (MessageEventOut, SystemEventOut, DeletedEventOut, ErrorEventOut)
