"""What is served is what is documented: every answer goes through the one converter, and
the converter's JSON fits the schema the OpenAPI document gives its class."""

import ast
import importlib
import inspect
import pkgutil
import types
import typing
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import Any, Literal, Union

import attrs
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

import entrypoints.http
from entrypoints.http.app import ROUTES
from entrypoints.http.converter import encode, timestamp
from entrypoints.http.openapi import ApiRoute
from entrypoints.http.openapi.document import openapi_document
from entrypoints.http.openapi.schemas import ABSENT_KEY, METADATA_KEY, SchemaRegistry
from entrypoints.http.room_events import ROOM_EVENTS
from entrypoints.http.validation import ValidationErrorBody
from entrypoints.http.views import ErrorBody

HTTP = Path(entrypoints.http.__file__).parent
DOCUMENT = openapi_document(ROUTES, title="chatcore", version="test")


def _modules() -> list[types.ModuleType]:
    return [
        importlib.import_module(f"entrypoints.http.{info.name}")
        for info in pkgutil.iter_modules([str(HTTP)])
    ]


def _answers() -> list[type[Any]]:
    """Every class the routes answer with, every *Out class of the HTTP edge (the ones
    inside answers and the room events among them) and the two error bodies."""
    kinds: set[type[Any]] = {ErrorBody, ValidationErrorBody, *ROOM_EVENTS}
    for route in ROUTES:
        if isinstance(route, ApiRoute):
            operation = route.operation
            for answer in (operation.response, *operation.other_responses.values()):
                kinds.update(kind for kind in (answer, *typing.get_args(answer)) if attrs.has(kind))
    kinds.update(
        kind
        for module in _modules()
        for name, kind in vars(module).items()
        if inspect.isclass(kind) and attrs.has(kind) and name.endswith("Out")
    )
    return sorted(kinds, key=lambda kind: kind.__name__)


def _schema_of(kind: type[Any]) -> dict[str, Any]:
    """The document's schema of `kind`; a room event's, from the registry that writes it
    (the document describes the socket in prose)."""
    components = DOCUMENT["components"]["schemas"]
    if kind.__name__ not in components:
        assert kind in ROOM_EVENTS, f"{kind.__name__} is in no answer and no room event"
        registry = SchemaRegistry()
        registry.schema(kind)
        components = registry.components
    return {"$ref": f"#/components/schemas/{kind.__name__}", "components": {"schemas": components}}


def _values(hint: Any, schema: dict[str, Any] | None = None) -> st.SearchStrategy[Any]:
    """Values of a type hint, as an entity would hold them (ids, UTC times)."""
    schema = schema or {}
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if getattr(hint, "__supertype__", None) is not None:
        if hint.__name__.endswith("Id"):
            return st.from_regex(r"\A[0-9a-f]{24}\Z")
        return _values(hint.__supertype__, schema)
    if hint is datetime:
        return st.datetimes(timezones=st.just(UTC))
    if hint is float:
        return st.floats(allow_nan=False, allow_infinity=False)  # scores: finite numbers
    if hint is int:
        # Every store keeps 64-bit integers (and orjson writes no others).
        return st.integers(min_value=schema.get("minimum", -(2**63)), max_value=2**63 - 1)
    if hint is Any:
        return st.none()
    if isinstance(hint, type) and issubclass(hint, Enum):
        return st.sampled_from(list(hint))
    if isinstance(hint, type) and attrs.has(hint):
        hints = typing.get_type_hints(hint)
        return st.builds(
            hint,
            **{
                field.alias: _values(hints[field.name], field.metadata.get(METADATA_KEY))
                for field in attrs.fields(hint)
            },
        )
    if origin is Literal:
        return st.sampled_from(args)
    if origin in (Union, types.UnionType):
        return st.one_of([_values(arg, schema) for arg in args])
    if origin in (list, tuple):
        return st.lists(_values(args[0]), max_size=schema.get("maxItems", 3))
    if origin is dict:
        return st.dictionaries(_values(args[0]), _values(args[1]), max_size=3)
    return st.from_type(hint)


@pytest.mark.parametrize("kind", _answers(), ids=lambda kind: kind.__name__)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_the_converters_json_fits_the_documented_schema(kind: type[Any], data: Any) -> None:
    value = data.draw(_values(kind))
    validator = Draft202012Validator(
        _schema_of(kind), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    served = orjson.loads(encode(value))
    errors = sorted(validator.iter_errors(served), key=str)
    assert not errors, f"{errors[0].message} at {errors[0].json_path}"
    # A field the API leaves out when it has no value is left out, not sent as null.
    for field in attrs.fields(kind):
        if field.metadata.get(ABSENT_KEY) and getattr(value, field.name) is None:
            assert field.name not in served


def test_times_are_utc_with_milliseconds_and_a_z_whatever_came_before() -> None:
    first = datetime(2026, 1, 2, 3, 4, 5, 678_901, tzinfo=UTC)
    second = first + timedelta(milliseconds=1)
    written = [timestamp(moment) for moment in (first, first, second, first)]
    assert written == [
        "2026-01-02T03:04:05.678Z",
        "2026-01-02T03:04:05.678Z",
        "2026-01-02T03:04:05.679Z",
        "2026-01-02T03:04:05.678Z",
    ]


@settings(max_examples=500)
@given(
    moment=st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))]),
    )
)
def test_a_time_is_written_as_isoformat_writes_it_in_utc(moment: datetime) -> None:
    # The tables and kept minutes of `timestamp` write what isoformat would, to the
    # millisecond (truncated), for any time, before the epoch and far after it too.
    in_utc = moment.astimezone(UTC)
    assert timestamp(moment) == in_utc.isoformat(timespec="milliseconds")[:-6] + "Z"


# Calls that answer or send, and the position of the value that becomes the body or event.
_ANSWERING = {"OutResponse": 0, "encode": 0, "unstructure": 0, "offer": 0, "paged": 1, "publish": 1}


def _by_hand(call: ast.Call) -> bool:
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    position = _ANSWERING.get(name)
    if position is None or len(call.args) <= position:
        return False
    value = call.args[position]
    return (
        isinstance(value, (ast.Dict, ast.DictComp))
        # A list of values is fine (paged takes one); a list of dicts is not.
        or (isinstance(value, ast.ListComp) and isinstance(value.elt, ast.Dict))
        or (isinstance(value, ast.Call) and getattr(value.func, "id", "") == "dict")
    )


@pytest.mark.parametrize("path", sorted(HTTP.rglob("*.py")), ids=lambda path: path.name)
def test_no_http_module_answers_with_a_dict_built_by_hand(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    # Starlette's JSONResponse takes whatever it is given: it would go round the converter.
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    names |= {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert "JSONResponse" not in names
    hand_built = [
        node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call) and _by_hand(node)
    ]
    assert not hand_built, f"{path.name}: a response or event dict built by hand at {hand_built}"
