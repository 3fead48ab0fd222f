"""/openapi.json: the whole API, generated from the route table, valid OpenAPI 3.1."""

from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate
from starlette.applications import Starlette

from entrypoints.bootstrap import build
from entrypoints.http.app import create_app
from entrypoints.http.openapi.document import documented, openapi_path, opted_out
from entrypoints.settings import Settings
from tests.contract.api.conformance import ResponseConformance
from tests.contract.api.server import ChatcoreServer


@pytest.fixture(scope="module")
def app() -> Starlette:
    return create_app(build(Settings(database_url="memory://")).core)


def served_operations(app: Starlette) -> set[tuple[str, str]]:
    served = set()
    for route in app.routes:
        if opted_out(route):
            continue
        assert documented(route), f"{route!r} is served but not documented (see docs/openapi.md)"
        methods = getattr(route, "methods", None) or {"WEBSOCKET"}
        served |= {(openapi_path(route.path), m.lower()) for m in methods if m != "HEAD"}  # type: ignore[attr-defined]
    return served


def test_every_served_route_is_documented_and_every_documented_one_served(
    app: Starlette, api_document: dict[str, Any]
) -> None:
    served = served_operations(app)
    in_document = {
        (path, method) for path, item in api_document["paths"].items() for method in item
    }
    assert {op for op in served if op[1] != "websocket"} == in_document
    for path, _ in {op for op in served if op[1] == "websocket"}:
        assert f"WebSocket `{path}`" in api_document["info"]["description"]


def test_the_server_serves_the_document_of_its_own_route_table(
    app: Starlette, api_document: dict[str, Any], server: ChatcoreServer
) -> None:
    import json

    assert json.loads(app.state.openapi) == api_document
    assert api_document["openapi"] == "3.1.0"
    assert api_document["info"]["version"] == server.cli("--version").stdout.split()[-1]


def test_the_document_is_valid_openapi_3_1(api_document: dict[str, Any]) -> None:
    validate(api_document)


def test_every_spec_path_is_described(api_document: dict[str, Any]) -> None:
    paths = api_document["paths"]
    for path, method in [
        ("/auths/login", "post"), ("/auths/refresh", "post"),
        ("/auths/reset-password-request", "post"), ("/auths/reset-password", "post"),
        ("/auths/verify-email", "post"), ("/users/", "post"), ("/users/me", "get"),
        ("/users/{user_id}", "get"), ("/users/{user_id}", "put"),
        ("/users/email/{email}", "put"), ("/users/{user_id}", "delete"),
        ("/chat/sessions", "post"), ("/chat/sessions", "get"),
        ("/chat/sessions/{session_id}", "get"), ("/chat/sessions/{session_id}", "put"),
        ("/chat/sessions/{session_id}", "delete"),
        ("/chat/sessions/{session_id}/messages", "post"),
        ("/chat/sessions/{session_id}/messages", "get"),
        ("/chat/sessions/{session_id}/messages/{message_id}", "delete"),
        ("/chat/messages/{room}", "get"), ("/chat/messages/{message_id}", "delete"),
    ]:  # fmt: skip
        assert method in paths[path], (method, path)


def test_request_bodies_and_errors_come_from_the_code(api_document: dict[str, Any]) -> None:
    schemas = api_document["components"]["schemas"]
    register = schemas["RegisterBody"]
    assert register["required"] == ["username", "email", "password"]
    assert register["properties"]["role"] == {"type": "string", "enum": ["user", "admin"],
                                              "default": "user"}  # fmt: skip
    assert register["additionalProperties"] is False
    assert schemas["SessionOut"]["properties"]["_id"]["pattern"] == "^[0-9a-f]{24}$"
    send = api_document["paths"]["/chat/sessions/{session_id}/messages"]["post"]
    assert set(send["responses"]) == {"201", "400", "401", "404", "413", "414", "422", "429", "431"}
    assert "Retry-After" in send["responses"]["429"]["headers"]
    assert send["security"] == [{"bearer": []}]
    unauthorized = send["responses"]["401"]
    assert unauthorized["headers"]["WWW-Authenticate"]["required"] is True
    invalid = send["responses"]["422"]["content"]["application/json"]["schema"]
    assert invalid == {"$ref": "#/components/schemas/ValidationErrorBody"}
    limit = api_document["paths"]["/chat/sessions"]["get"]["parameters"][0]
    assert limit["schema"] == {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}


def test_the_conformance_check_refuses_what_the_document_does_not_say(
    api_document: dict[str, Any],
) -> None:
    check = ResponseConformance(api_document)
    me = httpx.Request("GET", "http://test/users/me")
    with pytest.raises(AssertionError, match="not as documented"):
        check(httpx.Response(200, json={"id": "x"}, request=me))
    with pytest.raises(AssertionError, match="not documented"):
        check(httpx.Response(418, json={"detail": "teapot"}, request=me))
    check(httpx.Response(401, json={"detail": "Not authenticated"}, request=me))
