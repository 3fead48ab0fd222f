"""What a route declares about itself for the OpenAPI document, beside the route."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, Protocol

import attrs
from starlette.routing import Route, WebSocketRoute

from entrypoints.http.openapi.schemas import JsonSchema

# "bearer": a valid access token is required (401 without). "optional": anonymous callers
# are served, and a token, if sent, must be valid. "none": the token is not looked at.
Auth = Literal["bearer", "optional", "none"]


class QueryParameter(Protocol):
    """A query parameter an endpoint reads; the same object reads it and documents it."""

    @property
    def name(self) -> str: ...

    @property
    def required(self) -> bool: ...

    @property
    def description(self) -> str: ...

    def json_schema(self) -> JsonSchema: ...


@attrs.frozen
class Operation:
    """The documentation of one route: what it takes, what it answers, who may call it.

    `response` is the type of the success body (a view class, `list[SomeView]`, …) and
    `status` its code; `response=bytes` is a body that is not JSON (a download), of one
    of the `response_media` types; `response_headers` the headers every success answer
    carries, with their schemas; `optional_headers` those some success answers carry (a
    `Link` to the next page); `body` the attrs class the endpoint structures its JSON body into;
    `errors` the error codes it can answer besides the 401 (from `auth`) and the 422
    (from a body or query parameters), which are added for it; `other_responses` the
    codes whose body is not the error body, with its type (e.g. `{503: ReadinessOut}`).
    """

    summary: str
    response: Any
    status: int = 200
    response_media: tuple[str, ...] = ("application/octet-stream",)  # with response=bytes
    response_headers: Mapping[str, JsonSchema] = attrs.field(factory=dict)
    optional_headers: Mapping[str, JsonSchema] = attrs.field(factory=dict)
    body: type[Any] | None = None
    body_required: bool = True
    body_media: tuple[str, ...] = ("application/json",)
    query: Sequence[QueryParameter] = ()
    errors: tuple[int, ...] = ()
    other_responses: Mapping[int, Any] = attrs.field(factory=dict)
    auth: Auth = "bearer"
    description: str = ""
    tag: str | None = None  # None: the name of the module that holds the endpoint


class ApiRoute(Route):
    """A Route with one method and its `Operation`: the route table is the document."""

    def __init__(
        self, method: str, path: str, endpoint: Callable[..., Any], operation: Operation
    ) -> None:
        super().__init__(path, endpoint, methods=[method])
        self.method = method.upper()
        self.operation = operation


class ApiWebSocketRoute(WebSocketRoute):
    """A WebSocket route and its description (OpenAPI has no operations for WebSockets)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], description: str) -> None:
        super().__init__(path, endpoint)
        self.description = description
