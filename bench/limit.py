"""The physical limit: the benchmarked routes answering constant, pre-encoded JSON.

Where `bench.baseline` still encodes its JSON on every request (as any real handler must),
this app answers with bytes encoded once at import: what one uvicorn worker can serve at
all on these routes, below which no handler can go. chatcore's req/s divided by this
one's says how far each path is from that limit.
"""

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.baseline import MESSAGE, SESSION, USER


def _encoded(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


HEALTH = _encoded({"status": "ok"})
ME = _encoded(USER)
SESSIONS = _encoded([SESSION] * 10)
SENT = _encoded(MESSAGE)
MESSAGES = {limit: _encoded([MESSAGE] * limit) for limit in (50, 100)}


def _json(body: bytes, status_code: int = 200) -> Response:
    return Response(body, status_code=status_code, media_type="application/json")


async def healthz(request: Request) -> Response:
    return _json(HEALTH)


async def me(request: Request) -> Response:
    return _json(ME)


async def sessions(request: Request) -> Response:
    return _json(SESSIONS)


async def send_message(request: Request) -> Response:
    # The body is read, as a real handler must: receiving it is part of the limit.
    await request.body()
    return _json(SENT, status_code=201)


async def messages(request: Request) -> Response:
    return _json(MESSAGES[100])


app = Starlette(
    routes=[
        Route("/healthz", healthz),
        Route("/users/me", me),
        Route("/chat/sessions", sessions),
        Route("/chat/sessions/{session_id}/messages", send_message, methods=["POST"]),
        Route("/chat/sessions/{session_id}/messages", messages, methods=["GET"]),
    ]
)
