"""/openapi.json: the whole API, generated from the route table, valid OpenAPI 3.1."""

from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate
from starlette.applications import Starlette

from entrypoints.bootstrap import build
from entrypoints.http.app import create_app
from entrypoints.http.metrics import Metrics
from entrypoints.http.openapi.document import documented, openapi_path, opted_out
from entrypoints.settings import Settings
from tests.contract.api.conformance import ResponseConformance
from tests.contract.api.server import ChatcoreServer


@pytest.fixture(scope="module")
def app() -> Starlette:
    # As `chatcore serve` builds it by default: with /metrics.
    return create_app(build(Settings(database_url="memory://")).core, metrics=Metrics())


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
    with pytest.raises(AssertionError, match="no WWW-Authenticate header"):
        check(httpx.Response(401, json={"detail": "Not authenticated"}, request=me))
    challenge = {"WWW-Authenticate": "Bearer"}
    check(httpx.Response(401, json={"detail": "Not authenticated"}, headers=challenge,
                         request=me))  # fmt: skip


def test_the_conformance_check_takes_downloads_by_media_type_and_disposition(
    api_document: dict[str, Any],
) -> None:
    check = ResponseConformance(api_document)
    ids = "0123456789abcdef01234567"
    download = httpx.Request("GET", f"http://test/chat/sessions/{ids}/artifacts/{ids}/download")
    pdf = {"Content-Type": "application/pdf", "Content-Disposition": 'attachment; filename="a.pdf"'}
    check(httpx.Response(200, content=b"%PDF-1.4 not json", headers=pdf, request=download))
    text = {**pdf, "Content-Type": "text/plain; charset=utf-8"}
    check(httpx.Response(200, content=b"caf\xc3\xa9", headers=text, request=download))
    with pytest.raises(AssertionError, match="no Content-Disposition header"):
        check(httpx.Response(200, content=b"x", headers={"Content-Type": "application/pdf"},
                             request=download))  # fmt: skip
    with pytest.raises(AssertionError, match="Content-Disposition: 'inline' not as documented"):
        check(httpx.Response(200, content=b"x", headers={**pdf, "Content-Disposition": "inline"},
                             request=download))  # fmt: skip
    with pytest.raises(AssertionError, match="Content-Type 'text/html'"):
        check(httpx.Response(200, content=b"<p>", headers={**pdf, "Content-Type": "text/html"},
                             request=download))  # fmt: skip
    # A file's path spans segments: it is the file-content operation, not an unknown path.
    content = httpx.Request("GET", f"http://test/chat/sessions/{ids}/artifacts/{ids}/files/a/b.py")
    with pytest.raises(AssertionError, match="not as documented"):
        check(httpx.Response(200, json={"content": "x"}, request=content))


def test_the_artifact_operations_are_described(api_document: dict[str, Any]) -> None:
    paths, schemas = api_document["paths"], api_document["components"]["schemas"]
    artifact = "/chat/sessions/{session_id}/artifacts/{artifact_id}"
    download = paths[f"{artifact}/download"]["get"]["responses"]
    assert set(download) == {"200", "400", "401", "404", "414", "429", "431", "500"}
    media = download["200"]["content"]
    assert "application/pdf" in media and "application/json" not in media
    assert all(m["schema"] == {"type": "string", "format": "binary"} for m in media.values())
    assert download["200"]["headers"]["Content-Disposition"]["required"] is True
    upload = paths["/chat/sessions/{session_id}/artifacts/upload"]["post"]
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form == {"$ref": "#/components/schemas/UploadForm"}
    assert schemas["UploadForm"]["required"] == ["file"]
    assert schemas["UploadForm"]["properties"]["file"] == {"type": "string", "format": "binary"}
    assert {"201", "400", "404", "413", "422"} <= set(upload["responses"])
    files = paths[f"{artifact}/files"]["get"]
    assert [p["name"] for p in files["parameters"]] == [
        "session_id", "artifact_id", "limit", "offset",
    ]  # fmt: skip
    content = paths[f"{artifact}/files/{{file_path}}"]["get"]
    (file_path,) = [p for p in content["parameters"] if p["name"] == "file_path"]
    assert file_path["x-multi-segment"] is True
    assert "413" in content["responses"]
    metadata = schemas["ArtifactMetadataOut"]
    assert metadata["required"] == ["storage_type", "status"]
    assert metadata["properties"]["files_count"] == {
        "type": "integer", "minimum": 0,
        "description": "archives and repositories: how many files the index holds",
    }  # fmt: skip
    assert "id" in schemas["ArtifactOut"]["required"]
