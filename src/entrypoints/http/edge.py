"""The one layer every request and response goes through, outermost.

It refuses oversized URLs and headers (414, 431), gives each request its id (the
`X-Request-ID` header, and the `entrypoints.logs.request_id` context variable for every
line written on its behalf), adds the security headers to every response, writes the
request's line and counts it in the metrics, lets writes start in turns
(`write_turns.py`), and keeps a WebSocket's server `send` for the room hub. It sits
outside Starlette's error middleware, so even the response to a crash carries the
headers and the request id.

One pure ASGI layer with one `send` wrapper, not four nested ones, each of which cost
every request a coroutine and a closure (in process, `GET /healthz` 17-19 -> 15.5-17 µs).
"""

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.headers import with_security_headers
from entrypoints.http.limits import READ_METHODS
from entrypoints.http.metrics import Metrics
from entrypoints.http.request_limits import RequestSizes, oversized
from entrypoints.http.request_log import (
    REQUEST_ID_HEADER,
    AccessLog,
    Render,
    access_fields,
    request_id_of,
)
from entrypoints.http.room_hub import SERVER_SEND
from entrypoints.http.write_turns import WriteTurns
from entrypoints.logs import request_id


class Edge:
    def __init__(
        self,
        app: ASGIApp,
        sizes: RequestSizes,
        lines: AccessLog,
        render: Render,
        metrics: Metrics | None = None,
        write_turns: WriteTurns | None = None,
    ) -> None:
        self.app = app
        self.write_turns = write_turns
        self.sizes = sizes
        self.lines = lines
        self.render = render
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "websocket":
            # Room members send events past Starlette's layers (room_hub.DirectFrames).
            scope[SERVER_SEND] = send
            current = request_id.set(request_id_of(scope).decode("ascii"))
            try:
                await self.app(scope, receive, send)
            finally:
                request_id.reset(current)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        rid = request_id_of(scope)
        current = request_id.set(rid.decode("ascii"))
        # A response to a request with credentials is someone's own data: no cache,
        # shared or private, may keep it.
        authorized = False
        for name, _ in scope["headers"]:
            if name == b"authorization":
                authorized = True
                break
        status = 0  # not answered yet

        async def send_with_ours(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = with_security_headers(message.get("headers", []), authorized)
                headers.append((REQUEST_ID_HEADER, rid))
                message["headers"] = headers
            await send(message)

        try:
            refusal = oversized(scope, self.sizes)
            if refusal is not None:
                await refusal(scope, receive, send_with_ours)
                return
            if self.write_turns is not None and scope["method"] not in READ_METHODS:
                await self.write_turns.turn()
            await self.app(scope, receive, send_with_ours)
        finally:
            request_id.reset(current)
            self._log(scope, status, time.perf_counter() - started, rid)

    def _log(self, scope: Scope, status: int, seconds: float, rid: bytes) -> None:
        path: Any = getattr(scope.get("route"), "path", None)  # None: no route matched
        if self.metrics is not None:
            self.metrics.observe_request(path, scope["method"], status, seconds)
        self.lines(self.render(access_fields(scope["method"], path, status, seconds, rid)))
