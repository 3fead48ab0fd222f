"""The OpenAPI 3.1 document, built from the app's own route table."""

import re
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from starlette.convertors import PathConvertor
from starlette.routing import BaseRoute

from entrypoints.http.limits import limit_class
from entrypoints.http.openapi.operation import ApiRoute, ApiWebSocketRoute
from entrypoints.http.openapi.schemas import ID_SCHEMA, JsonSchema, SchemaRegistry
from entrypoints.http.validation import ValidationErrorBody
from entrypoints.http.views import ErrorBody

OPENAPI_VERSION = "3.1.0"
_CONVERTOR = re.compile(r"{(\w+):\w+}")
# The parameter extension that marks a `{name:path}` parameter, which spans segments.
MULTI_SEGMENT = "x-multi-segment"

INTRODUCTION = """\
A backend for chat applications: accounts with JWT authentication, chat sessions with
messages, and real-time rooms.

**Authentication.** Most operations take `Authorization: Bearer <access_token>`; get the
token from `POST /auths/login` (form fields `username` = the email, and `password`). A
protected operation without a valid token answers `401` with `WWW-Authenticate: Bearer`.

**Errors.** Every error body is `{"detail": "<message>"}`, unknown routes (404), wrong
methods (405) and server faults (500) included. A request that does not have the shape an
operation takes answers `422` with `detail` and `errors`, a list of `{loc, msg, type}`.

**JSON bodies** are sent as `Content-Type: application/json` (parameters such as
`charset=utf-8` and `+json` types are accepted; another type answers `415`). They are
UTF-8, at most 1 MiB unless configured otherwise (`413`), nested at most 32 levels, with
no repeated keys, no `NaN`/`Infinity` and no lone surrogates in strings; a body breaking
any of these answers `422` with an `errors` entry of type `json_invalid`.

**Request ids.** Every response carries `X-Request-ID`: the caller's own, when it sends a
sane one (1–128 characters of letters, digits and `._:+/=-`), else a generated one. The
server's request log carries the same id.
"""


def openapi_document(routes: Iterable[BaseRoute], *, title: str, version: str) -> dict[str, Any]:
    """The OpenAPI document of every documented route in `routes`."""
    registry = SchemaRegistry()
    paths: dict[str, dict[str, Any]] = {}
    sockets: list[str] = []
    seen_ids: set[str] = set()
    for route in routes:
        if isinstance(route, ApiRoute):
            operation_id = route.endpoint.__name__
            if operation_id in seen_ids:
                raise ValueError(f"two endpoints are named {operation_id}: operation ids clash")
            seen_ids.add(operation_id)
            item = paths.setdefault(openapi_path(route.path), {})
            item[route.method.lower()] = _operation(route, registry)
        elif isinstance(route, ApiWebSocketRoute):
            sockets.append(f"### WebSocket `{openapi_path(route.path)}`\n\n{route.description}")
    description = "\n\n".join([INTRODUCTION, *sockets])
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": version, "description": description},
        "paths": paths,
        "components": {
            "schemas": registry.components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def openapi_path(path: str) -> str:
    """A Starlette route path as an OpenAPI path: `{name:path}` becomes `{name}`."""
    return _CONVERTOR.sub(r"{\1}", path)


def documented(route: BaseRoute) -> bool:
    """Whether the document describes `route`; every other served route must opt out."""
    return isinstance(route, ApiRoute | ApiWebSocketRoute)


def opted_out(route: BaseRoute) -> bool:
    """A route that says it is not part of the API (the docs page and its assets)."""
    return getattr(route, "include_in_schema", True) is False


def _operation(route: ApiRoute, registry: SchemaRegistry) -> dict[str, Any]:
    operation = route.operation
    parameters = [
        _path_parameter(name, isinstance(convertor, PathConvertor))
        for name, convertor in route.param_convertors.items()
    ]
    parameters += [
        {
            "name": query.name,
            "in": "query",
            "required": query.required,
            "description": query.description,
            "schema": query.json_schema(),
        }
        for query in operation.query
    ]
    described: dict[str, Any] = {
        "operationId": route.endpoint.__name__,
        "summary": operation.summary,
        "tags": [operation.tag or route.endpoint.__module__.rsplit(".", 1)[-1]],
        "responses": _responses(route, registry),
    }
    if operation.description:
        described["description"] = operation.description
    if parameters:
        described["parameters"] = parameters
    if operation.body is not None:
        body = registry.schema(operation.body)
        described["requestBody"] = {
            "required": operation.body_required,
            "content": {media: {"schema": body} for media in operation.body_media},
        }
    if operation.auth == "bearer":
        described["security"] = [{"bearer": []}]
    elif operation.auth == "optional":
        described["security"] = [{}, {"bearer": []}]
    else:
        described["security"] = []
    return described


def _path_parameter(name: str, multi_segment: bool) -> JsonSchema:
    is_id = name.endswith("_id")
    description = f"the {name.removesuffix('_id')}'s id" if is_id else f"the {name}"
    parameter: JsonSchema = {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": dict(ID_SCHEMA) if is_id else {"type": "string"},
    }
    if multi_segment:
        # `{name:path}`: the value may hold slashes (a file's path in an archive).
        parameter["description"] = f"{description} (may contain `/`)"
        parameter[MULTI_SEGMENT] = True
    return parameter


def _responses(route: ApiRoute, registry: SchemaRegistry) -> dict[str, Any]:
    operation = route.operation
    success = str(operation.status)
    responses: dict[str, Any] = {
        success: (
            _binary_response(operation.status, operation.response_media)
            if operation.response is bytes
            else _response(operation.status, registry.schema(operation.response))
        )
    }
    if operation.response_headers or operation.optional_headers:
        responses[success]["headers"] = {
            **{
                name: {"required": True, "schema": schema}
                for name, schema in operation.response_headers.items()
            },
            **{
                name: {"required": False, "description": schema["description"], "schema": schema}
                for name, schema in operation.optional_headers.items()
            },
        }
    for status, kind in operation.other_responses.items():
        responses[str(status)] = _response(status, registry.schema(kind))
    errors = set(operation.errors)
    if operation.auth != "none":
        errors.add(401)
    if operation.body is not None or operation.query:
        errors.add(422)
    if operation.body is not None:
        errors.add(413)  # bodies are counted as they arrive (request_limits)
        errors.add(415)  # a body in a media type the operation does not take
    # Every request passes the URL and header size checks; most pass a rate limit.
    errors |= {414, 431}
    if limit_class(route.method, route.path) is not None:
        errors.add(429)
    for status in sorted(errors):
        kind = ValidationErrorBody if status == 422 else ErrorBody
        responses[str(status)] = _response(status, registry.schema(kind))
    if "429" in responses:
        responses["429"]["headers"] = {
            "Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 1}}
        }
    if "401" in responses:
        responses["401"]["headers"] = {
            "WWW-Authenticate": {"required": True, "schema": {"const": "Bearer"}}
        }
    return responses


def _binary_response(status: int, media: tuple[str, ...]) -> dict[str, Any]:
    if not media or "application/json" in media:
        raise ValueError("a bytes response names its media types, and JSON is not one")
    binary = {"type": "string", "format": "binary"}
    return {
        "description": HTTPStatus(status).phrase,
        "content": {media_type: {"schema": dict(binary)} for media_type in media},
    }


def _response(status: int, schema: JsonSchema) -> dict[str, Any]:
    return {
        "description": HTTPStatus(status).phrase,
        "content": {"application/json": {"schema": schema}},
    }
