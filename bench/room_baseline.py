"""The rooms baseline: a bare Starlette WebSocket broadcaster, no auth, no storage.

It speaks what the fan-out benchmark listens for (a `system` event per join, a `message`
event per frame, to every member) the way a plain Starlette app would write it: one
`send_text` awaited per member. Its CPU per delivery, beside chatcore's in the same run,
says what chatcore's rooms cost above the WebSocket work itself.
"""

import json
from collections import defaultdict

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

ROOMS: defaultdict[str, set[WebSocket]] = defaultdict(set)


async def broadcast(room: str, event: str) -> None:
    for member in list(ROOMS[room]):
        try:
            await member.send_text(event)
        except (WebSocketDisconnect, RuntimeError):
            ROOMS[room].discard(member)


async def room_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    room = websocket.path_params["room"]
    ROOMS[room].add(websocket)
    await broadcast(room, json.dumps({"type": "system", "content": "joined", "room": room}))
    try:
        while True:
            frame = json.loads(await websocket.receive_text())
            event = {"type": "message", "content": frame["content"], "room": room}
            await broadcast(room, json.dumps(event))
    except WebSocketDisconnect:
        pass
    finally:
        ROOMS[room].discard(websocket)


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[Route("/healthz", healthz), WebSocketRoute("/chat/ws/{room}", room_socket)])
