"""Receiving a multipart upload without holding it in memory, its size capped as it arrives.

Starlette's form parser spools a file part to a temporary file (1 MiB in memory, the rest
on disk), but counts no bytes: the cap here is applied to the request stream itself, so
an over-size upload stops being read at the limit, and nothing of it reaches storage.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import BinaryIO

import attrs
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Message, Receive

from entrypoints.http.validation import FieldError, RequestValidationError

# Room for the multipart framing and the small `name` field around the file itself.
FORM_OVERHEAD_BYTES = 64 * 1024


@attrs.frozen
class UploadForm:
    """The multipart body of an upload (what the OpenAPI document shows)."""

    file: bytes
    name: str | None = attrs.field(
        default=None, metadata={"schema": {"description": "a display name (the filename else)"}}
    )


@attrs.frozen
class ReceivedUpload:
    filename: str | None
    file: BinaryIO
    name: str | None


class _BodyTooLarge(Exception):
    pass


@attrs.define
class _CappedReceive:
    receive: Receive
    cap: int
    received: int = 0

    async def __call__(self) -> Message:
        message = await self.receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.cap:
                raise _BodyTooLarge
        return message


@asynccontextmanager
async def received_upload(request: Request, max_bytes: int) -> AsyncIterator[ReceivedUpload]:
    """The `file` and `name` fields of a multipart body; 413 past `max_bytes` of file."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise RequestValidationError(
            [FieldError(("body",), "Expected a multipart/form-data body", "content_type")]
        )
    cap = max_bytes + FORM_OVERHEAD_BYTES
    too_large = HTTPException(413, f"File too large: the limit is {max_bytes} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        await _drain(request.receive, budget=max_bytes, declared=int(declared))
        raise too_large
    capped = _CappedReceive(request.receive, cap)
    try:
        form = await Request(request.scope, capped).form(
            max_files=1, max_fields=4, max_part_size=FORM_OVERHEAD_BYTES
        )
    except _BodyTooLarge:
        await _drain(request.receive, budget=max_bytes)
        raise too_large from None
    try:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise RequestValidationError(
                [FieldError(("body", "file"), "Field required", "missing")]
            )
        if file.size is not None and file.size > max_bytes:
            raise too_large
        name = form.get("name")
        if name is not None and not isinstance(name, str):
            raise RequestValidationError(
                [FieldError(("body", "name"), "Input should be a valid string", "string_type")]
            )
        yield ReceivedUpload(filename=file.filename, file=file.file, name=name)
    finally:
        await form.close()


async def _drain(receive: Receive, budget: int, declared: int | None = None) -> None:
    # Reading (and dropping) the rest lets the client see the 413 rather than a reset
    # connection. Past the budget the connection is cut instead: there is no reason to
    # listen to an unbounded body.
    if declared is not None and declared > 2 * budget:
        return
    drained = 0
    while drained <= budget:
        message = await receive()
        if message["type"] != "http.request":
            return
        drained += len(message.get("body", b""))
        if not message.get("more_body", False):
            return
