"""/chat/messages: the history of a room, and deleting one's own room messages."""

from datetime import datetime
from typing import Self

import attrs
from starlette.requests import Request

from chatcore.rooms.chat_rooms import HISTORY_PAGE_MAX
from chatcore.rooms.model import RoomMessage
from chatcore.shared.ids import RoomMessageId, UserId
from entrypoints.http.converter import OutResponse, unstructure
from entrypoints.http.offload import run
from entrypoints.http.openapi import ApiRoute, Operation
from entrypoints.http.paging import CURSOR, LINK, paged
from entrypoints.http.room_events import DeletedEventOut
from entrypoints.http.room_hub import RoomHub
from entrypoints.http.security import core_of, current_user
from entrypoints.http.validation import IntQuery
from entrypoints.http.views import Done

HISTORY_LIMIT = IntQuery("limit", 50, 1, HISTORY_PAGE_MAX, "how many messages at most")


@attrs.frozen
class RoomMessageOut:
    """A message in a room."""

    _id: RoomMessageId
    user_id: UserId
    username: str  # as it was when the message was sent
    content: str
    room: str
    created_at: datetime
    updated_at: datetime
    deleted: bool
    deleted_at: datetime | None

    @classmethod
    def of(cls, message: RoomMessage) -> Self:
        deleted_at = message.deleted_at
        return cls(
            message.id,
            message.author_id,
            message.username,
            message.content,
            message.room,
            message.created_at,
            message.updated_at,
            deleted_at is not None,
            deleted_at,
        )


async def room_history(request: Request) -> OutResponse:
    actor = await current_user(request)
    limit = HISTORY_LIMIT.read(request)
    page = await run(
        request,
        core_of(request).rooms.history_page,
        actor,
        request.path_params["room"],
        limit,
        CURSOR.read(request),
    )
    return paged(
        request,
        [RoomMessageOut.of(message) for message in page.items],
        RoomMessageOut,
        page.next_cursor,
    )


async def delete_room_message(request: Request) -> OutResponse:
    actor = await current_user(request)
    message = await run(
        request, core_of(request).rooms.delete, actor, request.path_params["message_id"]
    )
    hub: RoomHub = request.app.state.room_hub
    await hub.publish(message.room, unstructure(DeletedEventOut.of(message)))
    return OutResponse(Done("Message deleted successfully"))


routes = [
    ApiRoute("GET", "/chat/messages/{room}", room_history, Operation(
        "The latest messages of a room, oldest first", list[RoomMessageOut],
        query=[HISTORY_LIMIT, CURSOR], optional_headers={"Link": LINK}, errors=(400,),
        description="Room names are 1–64 letters, digits, `_`, `.` or `-`, not `.` or `..`."
        " Messages are"
        " ordered by the millisecond the server accepted them, the id breaking ties. The first"
        " page is the newest; each next page (`cursor`) goes further back, oldest first.",
    )),
    ApiRoute("DELETE", "/chat/messages/{message_id}", delete_room_message, Operation(
        "Delete one's own room message (soft)", Done, errors=(400, 403, 404),
        description='The room hears `{"type": "deleted", "_id": …, "room": …}`.',
    )),
]  # fmt: skip
