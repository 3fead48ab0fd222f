"""Turning wire input into typed commands; what does not fit answers 422 with `errors`."""

import json
from collections.abc import Sequence
from enum import Enum
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError
from starlette.requests import Request

from chatcore.artifacts import ArtifactType
from chatcore.users import Role, Tier
from entrypoints.http.request_limits import read_body

T = TypeVar("T")
Location = tuple[str | int, ...]


@attrs.frozen
class FieldError:
    loc: Location
    msg: str
    type: str

    def as_dict(self) -> dict[str, Any]:
        return {"loc": list(self.loc), "msg": self.msg, "type": self.type}


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


async def json_object(request: Request) -> dict[str, Any]:
    """The request's body, which must be a JSON object."""
    raw = await read_body(request)
    if not raw.strip():
        raise RequestValidationError([FieldError(("body",), "Field required", "missing")])
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RequestValidationError(
            [FieldError(("body",), f"Invalid JSON: {error}", "json_invalid")]
        ) from None
    if not isinstance(data, dict):
        raise RequestValidationError(
            [FieldError(("body",), "Input should be an object", "object_type")]
        )
    return data


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

    def read(self, request: Request) -> str | None:
        return request.query_params.get(self.name)

    def require(self, request: Request) -> str:
        return required_param(dict(request.query_params), self.name, "query")

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string"}


def required_param(values: dict[str, str], name: str, where: str) -> str:
    """A required query or form parameter."""
    value = values.get(name)
    if value is None:
        raise RequestValidationError([FieldError((where, name), "Field required", "missing")])
    return value
