"""/chat/messages: the history of a room, and deleting one's own room messages."""

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from chatcore.chat_rooms import HISTORY_PAGE_MAX
from chatcore.rooms import RoomMessage
from entrypoints.http.offload import run
from entrypoints.http.room_hub import RoomHub
from entrypoints.http.security import core_of, current_user
from entrypoints.http.validation import query_int
from entrypoints.http.views import timestamp


def room_message_view(message: RoomMessage) -> dict[str, object]:
    deleted_at = message.deleted_at
    return {
        "_id": message.id,
        "user_id": message.author_id,
        "username": message.username,
        "content": message.content,
        "room": message.room,
        "created_at": timestamp(message.created_at),
        "updated_at": timestamp(message.updated_at),
        "deleted": deleted_at is not None,
        "deleted_at": None if deleted_at is None else timestamp(deleted_at),
    }


async def room_history(request: Request) -> JSONResponse:
    actor = await current_user(request)
    limit = query_int(request, "limit", 50, 1, HISTORY_PAGE_MAX)
    messages = await run(
        request, core_of(request).rooms.history, actor, request.path_params["room"], limit
    )
    return JSONResponse([room_message_view(message) for message in messages])


async def delete_room_message(request: Request) -> JSONResponse:
    actor = await current_user(request)
    message = await run(
        request, core_of(request).rooms.delete, actor, request.path_params["message_id"]
    )
    hub: RoomHub = request.app.state.room_hub
    await hub.publish(message.room, {"type": "deleted", "_id": message.id, "room": message.room})
    return JSONResponse({"message": "Message deleted successfully"})


routes = [
    Route("/chat/messages/{room}", room_history, methods=["GET"]),
    Route("/chat/messages/{message_id}", delete_room_message, methods=["DELETE"]),
]
