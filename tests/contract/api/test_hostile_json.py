"""Hostile JSON at every operation that takes a JSON body: refused with words, never a 5xx.

The operations come from the server's own /openapi.json, so a JSON route added later is
attacked too. Every body generated here is one no operation may accept (too deep, not
UTF-8, repeated keys, NaN, wrong types, another media type, …): each must answer a 4xx
whose body is `{"detail": ...}`, and the server must go on serving.
"""

import json
import re
from collections.abc import Iterator
from typing import Any

import attrs
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.contract.api.conftest import PASSWORD, login
from tests.contract.api.server import ChatcoreServer

# About 20 s on a loaded two-core machine.
EXAMPLES = 1000
MAX_DEPTH = 32  # what the document promises


@attrs.frozen
class JsonOperation:
    method: str
    path: str
    properties: dict[str, frozenset[str]]  # field name -> the JSON types its schema allows

    def url(self, ids: dict[str, str]) -> str:
        return re.sub(r"{(\w+)}", lambda m: ids.get(m.group(1), "0" * 24), self.path)


@attrs.frozen
class Hostile:
    what: str
    content: bytes
    content_type: str | None = "application/json"


@pytest.fixture(scope="module")
def hostile_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatcoreServer]:
    # A server of its own: a body that slipped through could change the accounts others use.
    running = ChatcoreServer(
        tmp_path_factory.mktemp("hostile"), {"CHATCORE_RATE_LIMITS": "off"}
    ).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def json_operations(hostile_target: ChatcoreServer) -> list[JsonOperation]:
    document = httpx.get(f"{hostile_target.url}/openapi.json", timeout=10).json()
    schemas = document["components"]["schemas"]
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            schema = content["application/json"]["schema"]
            if "$ref" in schema:
                schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
            fields = {
                name: _json_types(field, schemas)
                for name, field in schema.get("properties", {}).items()
            }
            found.append(JsonOperation(method.upper(), path, fields))
    assert len(found) >= 10, found  # users, auths, sessions, messages, artifacts, …
    return found


def _json_types(schema: dict[str, Any], schemas: dict[str, Any]) -> frozenset[str]:
    if "$ref" in schema:
        return _json_types(schemas[schema["$ref"].rsplit("/", 1)[-1]], schemas)
    for combined in ("anyOf", "oneOf"):
        if combined in schema:
            return frozenset().union(*(_json_types(s, schemas) for s in schema[combined]))
    kind = schema.get("type", "string" if "enum" in schema else None)
    if kind is None:  # anything goes: no value is a wrong type
        return frozenset(_VALUES_OF)
    kinds = {kind} if isinstance(kind, str) else set(kind)
    if "number" in kinds:
        kinds.add("integer")
    return frozenset(kinds)


@pytest.fixture(scope="module")
def caller(hostile_target: ChatcoreServer) -> Iterator[httpx.Client]:
    created = hostile_target.cli(
        "create-user", "--email", "hostile@example.com", "--username", "hostile",
        "--password", PASSWORD, "--verified",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    with httpx.Client(base_url=hostile_target.url, timeout=30) as http:
        signed_in = login(http, "hostile@example.com").json()
        http.headers["Authorization"] = f"Bearer {signed_in['access_token']}"
        yield http


@pytest.fixture(scope="module")
def ids(caller: httpx.Client) -> dict[str, str]:
    """Real ids for the path parameters, so bodies get past the lookups."""
    me = caller.get("/users/me").json()["id"]
    session = caller.post("/chat/sessions", json={"title": "hostile"}).json()["_id"]
    artifact = caller.post(
        f"/chat/sessions/{session}/artifacts", json={"type": "text", "name": "n", "content": "x"}
    )
    assert artifact.status_code == 201, artifact.text
    return {"user_id": me, "session_id": session, "artifact_id": artifact.json()["id"]}


_VALUES_OF: dict[str, st.SearchStrategy[Any]] = {
    "integer": st.integers(min_value=-(10**40), max_value=10**40),
    "number": st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x != int(x)),
    "boolean": st.booleans(),
    "string": st.text(max_size=20),
    "array": st.lists(st.text(max_size=5), max_size=3),
    "object": st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
}


def _wrong_type_values(allowed: frozenset[str]) -> st.SearchStrategy[Any]:
    """Values of every JSON type the field's schema does not allow."""
    return st.one_of([values for kind, values in _VALUES_OF.items() if kind not in allowed])


def _field_names(operation: JsonOperation) -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(operation.properties) or ["field"])


@st.composite
def hostile_bodies(draw: st.DrawFn, operation: JsonOperation) -> Hostile:
    """One body that the operation must refuse."""
    field = draw(_field_names(operation))
    kind = draw(
        st.sampled_from(
            ["deep", "deep_in_field", "huge_number", "huge_string", "not_a_number",
             "duplicate", "not_utf8", "surrogate", "wrong_type", "not_an_object",
             "other_media", "other_encoding"]
        )
    )  # fmt: skip
    ok_text = draw(st.text(alphabet="abcdefgh", min_size=1, max_size=10))
    if kind == "deep":
        depth = draw(st.integers(MAX_DEPTH + 1, 200_000))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        inner = draw(st.sampled_from(["", "1", '"x"']))
        if opener == "{":
            inner = inner or "1"
        return Hostile(kind, (opener * depth + inner + closer * depth).encode())
    if kind == "deep_in_field":
        depth = draw(st.integers(1, 5_000))
        return Hostile(kind, f'{{"{field}": {"[" * depth}{"]" * depth}}}'.encode())
    if kind == "huge_number":
        digits = draw(st.integers(20, 200_000))
        number = draw(st.sampled_from(["1" * digits, f"1e{digits}", f"-0.{'9' * digits}"]))
        return Hostile(kind, f'{{"{field}": {number}}}'.encode())
    if kind == "huge_string":
        # Past the 1 MiB body limit: a 413, read no further than the limit.
        size = draw(st.integers(1_048_577, 1_200_000))
        return Hostile(kind, json.dumps({field: "a" * size}).encode())
    if kind == "not_a_number":
        constant = draw(st.sampled_from(["NaN", "Infinity", "-Infinity"]))
        return Hostile(kind, f'{{"{field}": {constant}}}'.encode())
    if kind == "duplicate":
        # The same key twice, both times with a fitting string: only the repetition is wrong.
        first, second = json.dumps(ok_text), json.dumps(ok_text[::-1] + "x")
        return Hostile(kind, f'{{"{field}": {first}, "{field}": {second}}}'.encode())
    if kind == "not_utf8":
        bad = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf", b"\x80"]))
        return Hostile(kind, b'{"' + field.encode() + b'": "' + bad + ok_text.encode() + b'"}')
    if kind == "surrogate":
        return Hostile(kind, f'{{"{field}": "{ok_text}\\ud800"}}'.encode())
    if kind == "wrong_type":
        allowed = operation.properties.get(field, frozenset({"string"}))
        value = draw(_wrong_type_values(allowed))
        return Hostile(kind, json.dumps({field: value}).encode())
    if kind == "not_an_object":
        value = draw(st.one_of(st.lists(st.integers(), max_size=3), st.text(), st.integers()))
        return Hostile(kind, json.dumps(value).encode())
    if kind == "other_media":
        media = draw(
            st.sampled_from(
                [None, "text/plain", "text/json", "application/xml", "application/jsonx",
                 "application/octet-stream", "json", "application/x-www-form-urlencoded"]
            )
        )  # fmt: skip
        # A body that would fit, had it said it was JSON: only the media type is wrong.
        return Hostile(kind, json.dumps({field: ok_text}).encode(), media)
    encoding = draw(st.sampled_from(["utf-16", "utf-32", "utf-8-sig"]))
    return Hostile(kind, json.dumps({field: ok_text}).encode(encoding))


def send(
    caller: httpx.Client, operation: JsonOperation, ids: dict[str, str], body: Hostile
) -> None:
    headers = {} if body.content_type is None else {"Content-Type": body.content_type}
    response = caller.request(
        operation.method, operation.url(ids), content=body.content, headers=headers
    )
    where = f"{operation.method} {operation.path} ({body.what}): {response.status_code}"
    assert 400 <= response.status_code < 500, f"{where} {response.text[:300]}"
    answer = response.json()
    assert isinstance(answer, dict) and isinstance(answer.get("detail"), str), where
    if response.status_code == 422:
        assert answer["errors"], where


@given(data=st.data())
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_hostile_json_is_refused_with_a_detail(
    data: st.DataObject,
    caller: httpx.Client,
    json_operations: list[JsonOperation],
    ids: dict[str, str],
) -> None:
    operation = data.draw(st.sampled_from(json_operations), label="operation")
    send(caller, operation, ids, data.draw(hostile_bodies(operation), label="body"))


def test_a_hundred_thousand_brackets_are_a_422_on_every_json_route(
    caller: httpx.Client, json_operations: list[JsonOperation], ids: dict[str, str]
) -> None:
    brackets = Hostile("brackets", b"[" * 100_000 + b"]" * 100_000)
    for operation in json_operations:
        send(caller, operation, ids, brackets)
    answer = caller.post("/chat/sessions", content=brackets.content, headers={
        "Content-Type": "application/json"
    })  # fmt: skip
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["type"] == "json_invalid"


def test_json_bodies_need_a_json_media_type(caller: httpx.Client) -> None:
    body = b'{"title": "typed"}'
    refused = caller.post("/chat/sessions", content=body, headers={"Content-Type": "text/plain"})
    assert refused.status_code == 415
    assert "application/json" in refused.json()["detail"]
    unlabelled = caller.post("/chat/sessions", content=body)
    assert unlabelled.status_code == 415
    for media in ("application/json", "application/json; charset=utf-8", "Application/JSON",
                  "application/vnd.chatcore+json"):  # fmt: skip
        created = caller.post("/chat/sessions", content=body, headers={"Content-Type": media})
        assert created.status_code == 201, (media, created.text)
    # Login takes forms too; anything else is refused the same way.
    form = caller.post("/auths/login", content=b"username=a&password=b",
                       headers={"Content-Type": "text/plain"})  # fmt: skip
    assert form.status_code == 415


def test_repeated_keys_are_named(caller: httpx.Client) -> None:
    answer = caller.post(
        "/chat/sessions",
        content=b'{"title": "one", "title": "two"}',
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 422
    assert "duplicate key 'title'" in answer.json()["detail"]


def test_the_server_kept_serving(
    hostile_target: ChatcoreServer, caller: httpx.Client, ids: dict[str, str]
) -> None:
    assert caller.get("/healthz").status_code == 200
    assert caller.get(f"/chat/sessions/{ids['session_id']}").status_code == 200
    assert "Traceback" not in hostile_target.log(), hostile_target.log()[-3000:]
