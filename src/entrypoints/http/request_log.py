"""The line of each HTTP request, and its id; the edge writes them (entrypoints/http/edge.py).

A request costs one dict, one rendering (JSON by default) and one line handed to its
`AccessLog`. The line holds the route's path template, never the raw URL: query strings
carry tokens (verify-email, reset-password) and must not reach the logs; no header is
logged either.
"""

import asyncio
import json
import logging
import math
import random
import re
import time
from collections.abc import Callable
from typing import Any, Protocol, TextIO

from starlette.types import Scope

from entrypoints.logs import escape, utc_timestamp

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


Render = Callable[[dict[str, Any]], str]


ACCESS_FIELDS = ["time", "level", "logger", "message", "method", "path", "status",
                 "duration_ms", "request_id"]  # fmt: skip
# The request line's middle (level to status) by its values: few of them (a route, a
# method, a status), and they repeat on every request.
_MIDDLES: dict[tuple[Any, ...], str] = {}
_encode_text = json.encoder.encode_basestring_ascii  # json.dumps's own, for its strings


def json_line(fields: dict[str, Any]) -> str:
    """The request as a JSON object, shaped as every other log line is: `json.dumps`'s
    text exactly, with the middle that repeats encoded once per route and status (a
    whole `json.dumps` per request was a quarter of the request log's cost)."""
    duration = fields.get("duration_ms")
    # json.dumps writes an infinite or NaN float otherwise than repr does.
    if (
        list(fields) != ACCESS_FIELDS
        or not isinstance(duration, float)
        or not math.isfinite(duration)
    ):
        return json.dumps(fields)
    key = (fields["level"], fields["logger"], fields["message"], fields["method"],
           fields["path"], fields["status"])  # fmt: skip
    middle = _MIDDLES.get(key)
    if middle is None:
        middle = json.dumps({name: fields[name] for name in ACCESS_FIELDS[1:7]})[1:-1]
        if len(_MIDDLES) < 4096:
            _MIDDLES[key] = middle
    return (
        f'{{"time": {_encode_text(fields["time"])}, {middle},'
        f' "duration_ms": {duration!r},'
        f' "request_id": {_encode_text(fields["request_id"])}}}'
    )


def text_line(fields: dict[str, Any]) -> str:
    """The request as a readable line for a terminal."""
    return (
        f"{fields['time']} INFO    chatcore.access: {escape(fields['message'])}"
        f" {fields['duration_ms']}ms [request {fields['request_id']}]"
    )


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


def access_fields(
    method: str, path: str | None, status: int, seconds: float, rid: bytes
) -> dict[str, Any]:
    """A request's line, as fields: the route's path template (None: no route matched)."""
    return {
        "time": utc_timestamp(time.time()),
        "level": "info",
        "logger": "chatcore.access",
        "message": f"{method} {path or '-'} {status}",
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round(seconds * 1000, 2),
        "request_id": rid.decode("ascii"),
    }


def request_id_of(scope: Scope) -> bytes:
    """The id the caller sent, if it is a sane one; else a new one."""
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            if SANE_REQUEST_ID.fullmatch(value):
                return bytes(value)
            break
    # Unique, not secret (a caller may send its own): no system call for it.
    return f"{random.getrandbits(128):032x}".encode("ascii")
