"""/chat/sessions: a user's chat sessions and the messages in them."""

import attrs
from starlette.requests import Request

from chatcore.chats.sessions import MESSAGES_PAGE_MAX, SESSIONS_PAGE_MAX
from entrypoints.http.converter import OutResponse
from entrypoints.http.offload import run
from entrypoints.http.openapi import ApiRoute, Operation
from entrypoints.http.paging import CURSOR, LINK, paged
from entrypoints.http.request_limits import read_body
from entrypoints.http.security import core_of, current_user
from entrypoints.http.validation import IntQuery, TextQuery, json_body
from entrypoints.http.views import (
    Done,
    MessageOut,
    SessionDeletedOut,
    SessionOut,
)

SESSIONS_LIMIT = IntQuery("limit", 50, 1, SESSIONS_PAGE_MAX, "how many sessions at most")
MESSAGES_LIMIT = IntQuery("limit", 100, 1, MESSAGES_PAGE_MAX, "how many messages at most")
BEFORE = TextQuery("before", "a message id: the page ends just before that message")


@attrs.frozen
class SessionBody:
    title: str | None = None


@attrs.frozen
class MessageBody:
    content: str


async def create_session(request: Request) -> OutResponse:
    actor = await current_user(request)
    body = await json_body(request, SessionBody) if await read_body(request) else SessionBody()
    session = await run(request, core_of(request).sessions.create, actor, body.title)
    return OutResponse(SessionOut.of(session), 201)


async def list_sessions(request: Request) -> OutResponse:
    actor = await current_user(request)
    limit = SESSIONS_LIMIT.read(request)
    page = await run(
        request, core_of(request).sessions.page_owned_by, actor, limit, CURSOR.read(request)
    )
    sessions = [SessionOut.of(session) for session in page.items]
    return paged(request, sessions, SessionOut, page.next_cursor)


async def get_session(request: Request) -> OutResponse:
    actor = await current_user(request)
    session = await run(
        request, core_of(request).sessions.get, actor, request.path_params["session_id"]
    )
    return OutResponse(SessionOut.of(session))


async def update_session(request: Request) -> OutResponse:
    actor = await current_user(request)
    body = await json_body(request, SessionBody)
    session = await run(
        request,
        core_of(request).sessions.rename,
        actor,
        request.path_params["session_id"],
        body.title,
    )
    return OutResponse(SessionOut.of(session))


async def delete_session(request: Request) -> OutResponse:
    actor = await current_user(request)
    disabled = await run(
        request, core_of(request).sessions.delete, actor, request.path_params["session_id"]
    )
    return OutResponse(SessionDeletedOut("Session deleted successfully", disabled))


async def send_message(request: Request) -> OutResponse:
    actor = await current_user(request)
    body = await json_body(request, MessageBody)
    message = await run(
        request,
        core_of(request).sessions.send_message,
        actor,
        request.path_params["session_id"],
        body.content,
    )
    return OutResponse(MessageOut.of(message), 201)


async def list_messages(request: Request) -> OutResponse:
    actor = await current_user(request)
    limit = MESSAGES_LIMIT.read(request)
    page = await run(
        request,
        core_of(request).sessions.message_page,
        actor,
        request.path_params["session_id"],
        limit,
        BEFORE.read(request),
        CURSOR.read(request),
    )
    messages = [MessageOut.of(message) for message in page.items]
    return paged(request, messages, MessageOut, page.next_cursor)


async def delete_message(request: Request) -> OutResponse:
    actor = await current_user(request)
    await run(
        request,
        core_of(request).sessions.delete_message,
        actor,
        request.path_params["session_id"],
        request.path_params["message_id"],
    )
    return OutResponse(Done("Message deleted successfully"))


routes = [
    ApiRoute("POST", "/chat/sessions", create_session, Operation(
        "Create a chat session", SessionOut, status=201, body=SessionBody, body_required=False,
        errors=(400,), description='`title` is optional (default "New Chat"), 1–200 characters.',
    )),
    ApiRoute("GET", "/chat/sessions", list_sessions, Operation(
        "The caller's sessions, most recently updated first", list[SessionOut],
        query=[SESSIONS_LIMIT, CURSOR], optional_headers={"Link": LINK}, errors=(400,),
        description="Pages by `cursor`: a session updated during a walk moves to the front"
        " (it may then be missed or seen twice); every other one is seen once.",
    )),
    ApiRoute("GET", "/chat/sessions/{session_id}", get_session, Operation(
        "A chat session", SessionOut, errors=(400, 404),
    )),
    ApiRoute("PUT", "/chat/sessions/{session_id}", update_session, Operation(
        "Rename a chat session", SessionOut, body=SessionBody, errors=(400, 404),
    )),
    ApiRoute("DELETE", "/chat/sessions/{session_id}", delete_session, Operation(
        "Delete a chat session (soft), and disable its artifacts", SessionDeletedOut,
        errors=(400, 404),
    )),
    ApiRoute("POST", "/chat/sessions/{session_id}/messages", send_message, Operation(
        "Send a message", MessageOut, status=201, body=MessageBody, errors=(400, 404),
        description="`content` is 1–32,000 characters and not blank.",
    )),
    ApiRoute("GET", "/chat/sessions/{session_id}/messages", list_messages, Operation(
        "The latest messages, oldest first", list[MessageOut],
        query=[MESSAGES_LIMIT, BEFORE, CURSOR], optional_headers={"Link": LINK},
        errors=(400, 404),
        description="Messages are ordered by the millisecond the server accepted them, the id"
        " breaking ties. The first page is the newest; each next page (`cursor`) goes further"
        " back in time, and is itself oldest first. `cursor` wins over `before`.",
    )),
    ApiRoute("DELETE", "/chat/sessions/{session_id}/messages/{message_id}", delete_message,
             Operation("Delete a message (soft)", Done, errors=(400, 404))),
]  # fmt: skip
