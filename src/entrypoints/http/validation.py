"""Turning wire input into typed commands; what does not fit answers 422 with `errors`."""

import json
import math
import re
from collections.abc import Sequence
from enum import Enum
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError
from starlette.exceptions import HTTPException
from starlette.requests import Request

from chatcore.accounts.model import Role, Tier
from chatcore.artifacts.model import ArtifactType
from entrypoints.http.request_limits import read_body

T = TypeVar("T")
Location = tuple[str | int, ...]


@attrs.frozen
class FieldError:
    loc: Location
    msg: str
    type: str


@attrs.frozen
class ValidationErrorBody:
    """The 422: a readable summary, and one entry per field that does not fit."""

    detail: str
    errors: list[FieldError]


class RequestValidationError(Exception):
    """The request does not have the shape the endpoint takes."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__(errors)
        self.errors = list(errors)

    @property
    def detail(self) -> str:
        return "; ".join(
            f"{'.'.join(str(part) for part in error.loc)}: {error.msg}" for error in self.errors
        )


def _strict(kind: type[Any], name: str) -> Any:
    # JSON has types: "5" is not a number and 1 is not a string (cattrs would convert).
    def structure(value: Any, _: type[Any]) -> Any:
        if type(value) is not kind and not (kind is float and type(value) is int):
            raise TypeError(f"Input should be a valid {name}")
        return value

    return structure


def _enum(value: Any, kind: type[Enum]) -> Enum:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(repr(member.value) for member in kind)
        raise ValueError(f"Input should be one of {allowed}") from None


commands = cattrs.Converter(forbid_extra_keys=True)
commands.register_structure_hook(str, _strict(str, "string"))
commands.register_structure_hook(int, _strict(int, "integer"))
commands.register_structure_hook(bool, _strict(bool, "boolean"))
commands.register_structure_hook(float, _strict(float, "number"))
# Registered one by one: a StrEnum is a str, and would otherwise meet the strict str hook.
for _kind in (Role, Tier, ArtifactType):
    commands.register_structure_hook(_kind, _enum)


def structure(data: Any, kind: type[T], loc: Location = ("body",)) -> T:
    """Build a `kind` from decoded JSON, or raise RequestValidationError."""
    if not isinstance(data, dict):
        raise RequestValidationError([FieldError(loc, "Input should be an object", "object_type")])
    try:
        return commands.structure(data, kind)
    except ClassValidationError as error:
        raise RequestValidationError(list(_field_errors(error, loc))) from None


def _field_errors(error: BaseException, loc: Location) -> list[FieldError]:
    if isinstance(error, ForbiddenExtraKeysError):
        return [
            FieldError((*loc, key), "Extra inputs are not permitted", "extra_forbidden")
            for key in sorted(error.extra_fields)
        ]
    if isinstance(error, ClassValidationError):
        found: list[FieldError] = []
        with_notes, without_notes = error.group_exceptions()
        for inner, note in with_notes:
            found.extend(_field_errors(inner, (*loc, note.name)))
        for inner in without_notes:
            found.extend(_field_errors(inner, loc))
        return found
    if isinstance(error, KeyError):
        return [FieldError(loc, "Field required", "missing")]
    return [FieldError(loc, str(error) or type(error).__name__, "invalid")]


# A body nests at most this deep (`{"a": [1]}` is 2): our bodies are flat objects, and a
# bound keeps every later walk over them cheap. Deeper input is refused, never recursed into.
MAX_JSON_DEPTH = 32


async def json_object(request: Request) -> dict[str, Any]:
    """The request's body, which must be a JSON object sent as `application/json`."""
    raw = await read_body(request)
    if not raw.strip():
        raise RequestValidationError([FieldError(("body",), "Field required", "missing")])
    require_json_media(request)
    data = parse_json(raw)
    if not isinstance(data, dict):
        raise RequestValidationError(
            [FieldError(("body",), "Input should be an object", "object_type")]
        )
    return data


def is_json_media(content_type: str) -> bool:
    """`application/json` or a `+json` type (RFC 6839), with any parameters."""
    media = content_type.partition(";")[0].strip().lower()
    kind, _, subtype = media.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


def require_json_media(request: Request) -> None:
    """A 415 for a body that does not say it is JSON: we never guess a body's format."""
    content_type = request.headers.get("content-type", "")
    if not is_json_media(content_type):
        raise HTTPException(
            415, f"Content-Type must be application/json, not {content_type[:100]!r}"
        )


def parse_json(raw: bytes) -> Any:
    """Strict JSON from UTF-8 bytes: 422 `json_invalid` for anything else.

    The standard parser alone would accept UTF-16 and UTF-32, NaN and Infinity, repeated
    keys (the last one silently wins) and lone surrogates (which no UTF-8 store can keep),
    and would recurse into `[[[[…` until the interpreter gives up.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _invalid(f"body is not UTF-8 (byte {error.start})") from None
    try:
        data = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_not_a_number,
            parse_float=_finite,
        )
    except RecursionError:
        raise _invalid(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    except _Refused as error:
        raise _invalid(str(error)) from None
    except ValueError as error:  # JSONDecodeError, and ints past Python's 4,300 digits
        raise _invalid(str(error)) from None
    _check_tree(data)
    return data


class _Refused(Exception):
    pass


def _invalid(reason: str) -> RequestValidationError:
    return RequestValidationError(
        [FieldError(("body",), f"Invalid JSON: {reason}", "json_invalid")]
    )


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Refused(f"duplicate key {key[:100]!r}")
            seen.add(key)
    return data


def _not_a_number(constant: str) -> Any:
    raise _Refused(f"{constant} is not a JSON number")


def _finite(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):
        raise _Refused(f"number {literal[:40]} is out of range")
    return value


def _check_tree(data: Any) -> None:
    # Iterative, so the depth is measured without recursing as deep as the input does.
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise _invalid(f"nested deeper than {MAX_JSON_DEPTH} levels")
            items = value.values() if isinstance(value, dict) else value
            pending.extend((item, depth + 1) for item in items)
            if isinstance(value, dict):
                for key in value:
                    _check_text(key)


def _check_text(text: str) -> None:
    if _SURROGATE.search(text):
        raise _invalid("a string holds a lone surrogate (\\ud800–\\udfff), which is not text")


_SURROGATE = re.compile("[\ud800-\udfff]")


async def json_body(request: Request, kind: type[T]) -> T:
    """The request's JSON body as a `kind`."""
    return structure(await json_object(request), kind)


def query_int(request: Request, name: str, default: int, minimum: int, maximum: int) -> int:
    """An integer query parameter within [minimum, maximum]."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise RequestValidationError(
            [FieldError(("query", name), "Input should be a valid integer", "int_parsing")]
        ) from None
    if not minimum <= value <= maximum:
        raise RequestValidationError(
            [
                FieldError(
                    ("query", name),
                    f"Input should be between {minimum} and {maximum}",
                    "out_of_range",
                )
            ]
        )
    return value


@attrs.frozen
class IntQuery:
    """An integer query parameter within bounds: read by the endpoint, shown in the document."""

    name: str
    default: int
    minimum: int
    maximum: int
    description: str = ""
    required = False

    def read(self, request: Request) -> int:
        return query_int(request, self.name, self.default, self.minimum, self.maximum)

    def json_schema(self) -> dict[str, Any]:
        return {
            "type": "integer",
            "minimum": self.minimum,
            "maximum": self.maximum,
            "default": self.default,
        }


@attrs.frozen
class TextQuery:
    """A string query parameter: `read` gives None when it is absent, `require` a 422."""

    name: str
    description: str = ""
    required: bool = False  # as the document says: `require` it in the endpoint
    max_length: int | None = None  # longer answers 422

    def read(self, request: Request) -> str | None:
        value = request.query_params.get(self.name)
        if value is not None and self.max_length is not None and len(value) > self.max_length:
            raise RequestValidationError(
                [
                    FieldError(
                        ("query", self.name),
                        f"String should have at most {self.max_length} characters",
                        "string_too_long",
                    )
                ]
            )
        return value

    def require(self, request: Request) -> str:
        return required_param(dict(request.query_params), self.name, "query")

    def json_schema(self) -> dict[str, Any]:
        if self.max_length is None:
            return {"type": "string"}
        return {"type": "string", "maxLength": self.max_length}


def required_param(values: dict[str, str], name: str, where: str) -> str:
    """A required query or form parameter."""
    value = values.get(name)
    if value is None:
        raise RequestValidationError([FieldError((where, name), "Field required", "missing")])
    return value
