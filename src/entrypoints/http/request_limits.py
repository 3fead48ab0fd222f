"""Request sizes: URL and header sizes before routing, JSON bodies while they are read."""

import attrs
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Scope

from entrypoints.http.converter import OutResponse
from entrypoints.http.views import ErrorBody


@attrs.frozen
class RequestSizes:
    max_json_bytes: int = 1_048_576
    max_url_bytes: int = 8192
    max_header_bytes: int = 16_384


DEFAULT_SIZES = RequestSizes()


def oversized(scope: Scope, sizes: RequestSizes) -> OutResponse | None:
    """414 for a longer URL and 431 for larger headers than `sizes` allow; None if neither.

    Uvicorn's HTTP parser (httptools) sets no limit of its own on either; checking the
    parsed scope is the first place the application can tell.
    """
    if len(scope["raw_path"]) + len(scope["query_string"]) > sizes.max_url_bytes:
        return _refusal(414, "URI Too Long")
    size = 0
    for name, value in scope["headers"]:
        size += len(name) + len(value)
    if size > sizes.max_header_bytes:
        return _refusal(431, "Request Header Fields Too Large")
    return None


def _refusal(status: int, detail: str) -> OutResponse:
    # The connection may hold more of the oversized request: do not read on after it.
    return OutResponse(ErrorBody(detail), status, {"Connection": "close"})


async def read_body(request: Request) -> bytes:
    """The request's body, refused with 413 as soon as it outgrows the JSON limit."""
    limit: int = request.app.state.request_sizes.max_json_bytes
    too_large = HTTPException(413, f"Request body larger than {limit} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    body = b"".join(chunks)
    # What Request.body() would have kept: later reads (form parsing) see the same bytes.
    request._body = body
    return body
