"""The baseline: the benchmarked routes answering constant JSON, no auth, no storage.

It is served exactly as chatcore is (same uvicorn options, same core), so every chatcore
figure divided by this one says what chatcore itself costs, whatever the machine.
"""

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ID = "507f1f77bcf86cd799439011"
STAMP = "2025-11-04T10:00:00.000Z"
USER = {
    "id": ID, "username": "johndoe", "email": "john@example.com", "role": "user",
    "tier": "free", "verified": True, "active": True, "created_at": STAMP, "updated_at": STAMP,
}  # fmt: skip
SESSION = {
    "_id": ID, "user_id": ID, "title": "My Chat Session", "message_count": 5,
    "last_message_at": STAMP, "created_at": STAMP, "updated_at": STAMP,
}  # fmt: skip
MESSAGE = {
    "_id": ID, "session_id": ID, "user_id": ID, "content": "Hello, this is my message!",
    "role": "user", "created_at": STAMP, "updated_at": STAMP, "deleted": False,
    "deleted_at": None,
}  # fmt: skip


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def me(request: Request) -> JSONResponse:
    return JSONResponse(USER)


async def sessions(request: Request) -> JSONResponse:
    return JSONResponse([SESSION] * 10)


async def send_message(request: Request) -> JSONResponse:
    body: dict[str, Any] = await request.json()
    return JSONResponse({**MESSAGE, "content": body["content"]}, status_code=201)


async def messages(request: Request) -> JSONResponse:
    return JSONResponse([MESSAGE] * int(request.query_params.get("limit", 100)))


app = Starlette(
    routes=[
        Route("/healthz", healthz),
        Route("/users/me", me),
        Route("/chat/sessions", sessions),
        Route("/chat/sessions/{session_id}/messages", send_message, methods=["POST"]),
        Route("/chat/sessions/{session_id}/messages", messages, methods=["GET"]),
    ]
)
