"""/chat/sessions: a user's chat sessions and the messages in them."""

import attrs
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from chatcore.sessions import MESSAGES_PAGE_MAX, SESSIONS_PAGE_MAX
from entrypoints.http.offload import run
from entrypoints.http.request_limits import read_body
from entrypoints.http.security import core_of, current_user
from entrypoints.http.validation import json_body, query_int
from entrypoints.http.views import message_view, session_view


@attrs.frozen
class SessionBody:
    title: str | None = None


@attrs.frozen
class MessageBody:
    content: str


async def create_session(request: Request) -> JSONResponse:
    actor = await current_user(request)
    body = await json_body(request, SessionBody) if await read_body(request) else SessionBody()
    session = await run(request, core_of(request).sessions.create, actor, body.title)
    return JSONResponse(session_view(session), status_code=201)


async def list_sessions(request: Request) -> JSONResponse:
    actor = await current_user(request)
    limit = query_int(request, "limit", 50, 1, SESSIONS_PAGE_MAX)
    sessions = await run(request, core_of(request).sessions.owned_by, actor, limit)
    return JSONResponse([session_view(session) for session in sessions])


async def get_session(request: Request) -> JSONResponse:
    actor = await current_user(request)
    session = await run(
        request, core_of(request).sessions.get, actor, request.path_params["session_id"]
    )
    return JSONResponse(session_view(session))


async def update_session(request: Request) -> JSONResponse:
    actor = await current_user(request)
    body = await json_body(request, SessionBody)
    session = await run(
        request,
        core_of(request).sessions.rename,
        actor,
        request.path_params["session_id"],
        body.title,
    )
    return JSONResponse(session_view(session))


async def delete_session(request: Request) -> JSONResponse:
    actor = await current_user(request)
    disabled = await run(
        request, core_of(request).sessions.delete, actor, request.path_params["session_id"]
    )
    return JSONResponse({"message": "Session deleted successfully", "artifacts_disabled": disabled})


async def send_message(request: Request) -> JSONResponse:
    actor = await current_user(request)
    body = await json_body(request, MessageBody)
    message = await run(
        request,
        core_of(request).sessions.send_message,
        actor,
        request.path_params["session_id"],
        body.content,
    )
    return JSONResponse(message_view(message), status_code=201)


async def list_messages(request: Request) -> JSONResponse:
    actor = await current_user(request)
    limit = query_int(request, "limit", 100, 1, MESSAGES_PAGE_MAX)
    messages = await run(
        request,
        core_of(request).sessions.messages,
        actor,
        request.path_params["session_id"],
        limit,
        request.query_params.get("before"),
    )
    return JSONResponse([message_view(message) for message in messages])


async def delete_message(request: Request) -> JSONResponse:
    actor = await current_user(request)
    await run(
        request,
        core_of(request).sessions.delete_message,
        actor,
        request.path_params["session_id"],
        request.path_params["message_id"],
    )
    return JSONResponse({"message": "Message deleted successfully"})


routes = [
    Route("/chat/sessions", create_session, methods=["POST"]),
    Route("/chat/sessions", list_sessions, methods=["GET"]),
    Route("/chat/sessions/{session_id}", get_session, methods=["GET"]),
    Route("/chat/sessions/{session_id}", update_session, methods=["PUT"]),
    Route("/chat/sessions/{session_id}", delete_session, methods=["DELETE"]),
    Route("/chat/sessions/{session_id}/messages", send_message, methods=["POST"]),
    Route("/chat/sessions/{session_id}/messages", list_messages, methods=["GET"]),
    Route("/chat/sessions/{session_id}/messages/{message_id}", delete_message, methods=["DELETE"]),
]
