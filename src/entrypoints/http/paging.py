"""Paged lists on the wire: the `cursor` query parameter and the `Link: rel="next"` header.

The body stays the bare array the API describes; while more items remain, the answer
carries `Link: <URL>; rel="next"` (RFC 8288): the URL the client called, with its other
query parameters (`limit` among them) kept and `cursor` replaced.
"""

from collections.abc import Sequence
from typing import TypeVar
from urllib.parse import urlencode

from starlette.requests import Request

from entrypoints.http.client_address import ClientAddresses
from entrypoints.http.converter import OutResponse
from entrypoints.http.validation import TextQuery

CURSOR = TextQuery(
    "cursor",
    'where the page starts: the cursor from the previous answer\'s `Link: <…>; rel="next"`.'
    " Opaque, and valid for this very list only (400 otherwise).",
)

LINK = {
    "type": "string",
    "pattern": r'^<[^<>]+>; rel="next"$',
    "description": 'While more items remain: `<URL>; rel="next"` (RFC 8288), the URL called'
    " with the same `limit` and the next `cursor`. Following the links from the first page"
    " visits every item that existed and was not changed during the walk exactly once.",
}


T = TypeVar("T")


def paged(
    request: Request, items: Sequence[T], kind: type[T], next_cursor: str | None
) -> OutResponse:
    """The JSON array of `kind` values, with a `Link` to the next page when there is one."""
    # Naming the item type lets the converter use its compiled hook for the whole list.
    response = OutResponse(items, as_type=Sequence[kind])  # type: ignore[valid-type]
    if next_cursor is not None:
        response.headers["Link"] = f'<{next_url(request, next_cursor)}>; rel="next"'
    return response


def next_url(request: Request, cursor: str) -> str:
    """The URL the client called (under any mount prefix), with `cursor` replaced."""
    query = [
        (name, value) for name, value in request.query_params.multi_items() if name != "cursor"
    ]
    url = request.url.replace(query=urlencode([*query, ("cursor", cursor)]))
    addresses: ClientAddresses | None = getattr(request.app.state, "client_addresses", None)
    if addresses is not None:
        scheme, host = addresses.forwarded_origin(request.scope)
        if scheme is not None:
            url = url.replace(scheme=scheme)
        if host is not None:
            url = url.replace(netloc=host)
    # A Host header is the client's to write; it must not break out of the <…>.
    return str(url).replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")
