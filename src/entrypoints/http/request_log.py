"""One JSON line per HTTP request, and an X-Request-ID on every response.

Pure ASGI (not BaseHTTPMiddleware): it wraps `send` and nothing else, so a request costs
one dict, one json.dumps and one line handed to its `AccessLog`. The line holds the route's
path template, never the raw URL: query strings carry tokens (verify-email,
reset-password) and must not reach the logs; no header is logged either.
"""

import asyncio
import json
import logging
import re
import secrets
import time
from typing import Protocol, TextIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.errors import error_response

logger = logging.getLogger("chatcore.access")

REQUEST_ID_HEADER = b"x-request-id"
# What a caller may send as its own id: long enough for a UUID or a trace id, and plain
# enough to be safe in a header, a log line and a log search.
SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:+/=\-]{1,128}")


class AccessLog(Protocol):
    """Where the request lines go."""

    def __call__(self, line: str) -> None: ...

    def flush(self) -> None:
        """Write out what is held back (at shutdown)."""
        ...


class LoggedLines:
    """Each line as an INFO record of the `chatcore.access` logger: for embedding hosts,
    whose own logging configuration decides where it goes."""

    def __call__(self, line: str) -> None:
        if logger.isEnabledFor(logging.INFO):
            logger.info(line)

    def flush(self) -> None:
        """Nothing held back: the logging handlers write as they see fit."""


class BatchedLines:
    """Lines written to a stream in batches, at most `interval` seconds after the first.

    What `chatcore serve` uses. A log record and a write per request cost more than the
    rest of a fast request together; a batch costs one write for every request of the
    interval. Called on the event loop only, so it needs no lock.
    """

    def __init__(self, stream: TextIO, interval: float = 0.05) -> None:
        self._stream = stream
        self._interval = interval
        self._held: list[str] = []

    def __call__(self, line: str) -> None:
        if not self._held:
            asyncio.get_running_loop().call_later(self._interval, self.flush)
        self._held.append(line)

    def flush(self) -> None:
        if self._held:
            lines, self._held = self._held, []
            self._stream.write("\n".join(lines) + "\n")
            self._stream.flush()


class RequestLog:
    def __init__(self, app: ASGIApp, lines: AccessLog | None = None) -> None:
        self.app = app
        self.lines = LoggedLines() if lines is None else lines

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        status = 0  # not answered yet

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (REQUEST_ID_HEADER, request_id)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Answered here rather than by Starlette's outermost handler, so that the 500
            # carries the request id too; re-raised for the server to log the traceback.
            if status == 0:
                await error_response(500, "Internal Server Error")(scope, receive, send_with_id)
            raise
        finally:
            route = scope.get("route")
            line = {
                "method": scope["method"],
                "path": getattr(route, "path", None),  # None: no route matched
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "request_id": request_id.decode("ascii"),
            }
            self.lines(json.dumps(line))


def _request_id(scope: Scope) -> bytes:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            if SANE_REQUEST_ID.fullmatch(value):
                return bytes(value)
            break
    return secrets.token_hex(16).encode("ascii")
