"""JSON Schema (2020-12, as OpenAPI 3.1 uses it) generated from attrs classes and type hints.

The request bodies are the attrs classes the cattrs converter structures, and the response
shapes are the typed view classes beside the view functions: their schemas are read off
those classes, so the document cannot drift from what the code takes and gives.
"""

import types
import typing
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any, Literal, Union, get_args, get_origin

import attrs

JsonSchema = dict[str, Any]

# Every id in the API is an ObjectId-shaped string (the NewTypes of chatcore.ids).
ID_SCHEMA: JsonSchema = {"type": "string", "pattern": "^[0-9a-f]{24}$"}
# A field's extra JSON Schema keywords (a description, a format) ride in attrs metadata.
METADATA_KEY = "schema"
# A view field the API leaves out of the JSON when it has no value (rather than send null).
ABSENT_KEY = "absent_when_none"


def absent_when_none(**schema: Any) -> Any:
    """An attrs field (default None) that is not required and, when present, not null."""
    return attrs.field(default=None, metadata={ABSENT_KEY: True, METADATA_KEY: schema})


class SchemaRegistry:
    """Builds schemas, keeping each attrs class once under `#/components/schemas/`."""

    def __init__(self) -> None:
        self.components: dict[str, JsonSchema] = {}
        self._owners: dict[str, type[Any]] = {}

    def schema(self, kind: Any) -> JsonSchema:
        """The schema of a type hint; attrs classes become references to components."""
        if kind is Any:
            return {}
        if kind is type(None) or kind is None:
            return {"type": "null"}
        if kind is bool:
            return {"type": "boolean"}
        if kind is int:
            return {"type": "integer"}
        if kind is float:
            return {"type": "number"}
        if kind is str:
            return {"type": "string"}
        if kind is bytes:
            # An uploaded file in a multipart body; Swagger UI shows a file picker for it.
            return {"type": "string", "format": "binary"}
        if kind is datetime:
            return {"type": "string", "format": "date-time"}
        supertype = getattr(kind, "__supertype__", None)
        if supertype is not None:
            # A NewType: the ids are one documented shape, other NewTypes their base.
            return dict(ID_SCHEMA) if kind.__name__.endswith("Id") else self.schema(supertype)
        if isinstance(kind, type) and issubclass(kind, Enum):
            return {"type": "string", "enum": [member.value for member in kind]}
        if isinstance(kind, type) and attrs.has(kind):
            return self._reference(kind)
        return self._generic(kind)

    def _generic(self, kind: Any) -> JsonSchema:
        origin, args = get_origin(kind), get_args(kind)
        if origin is Literal:
            return {"enum": list(args)}
        if origin in (Union, types.UnionType):
            return self._union(args)
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": self.schema(args[0])}
        if origin in (list, Sequence, tuple, set, frozenset):
            return {"type": "array", "items": self.schema(args[0]) if args else {}}
        if origin in (dict, Mapping):
            return {"type": "object", "additionalProperties": self.schema(args[1])}
        raise TypeError(f"no JSON Schema for {kind!r}: extend SchemaRegistry.schema")

    def _union(self, args: tuple[Any, ...]) -> JsonSchema:
        options = [self.schema(arg) for arg in args]
        simple = [option.get("type") for option in options]
        if all(isinstance(name, str) and set(option) == {"type"} for name, option in
               zip(simple, options, strict=True)):  # fmt: skip
            return {"type": simple}
        return {"anyOf": options}

    def _reference(self, kind: type[Any]) -> JsonSchema:
        name = kind.__name__
        owner = self._owners.get(name)
        if owner is None:
            self._owners[name] = kind
            self.components[name] = {}  # reserved first: a class may refer to itself
            self.components[name] = self._object(kind)
        elif owner is not kind:
            raise ValueError(f"two classes are named {name}: {owner!r} and {kind!r}")
        return {"$ref": f"#/components/schemas/{name}"}

    def _object(self, kind: type[Any]) -> JsonSchema:
        hints = typing.get_type_hints(kind)
        properties: dict[str, JsonSchema] = {}
        required: list[str] = []
        for field in attrs.fields(kind):
            hint = hints[field.name]
            if field.metadata.get(ABSENT_KEY):
                present = [arg for arg in get_args(hint) if arg is not type(None)]
                if len(present) != 1:
                    raise TypeError(
                        f"{kind.__name__}.{field.name}: absent_when_none takes T | None"
                    )
                prop = self.schema(present[0])
                prop.update(field.metadata.get(METADATA_KEY, {}))
                properties[field.name] = prop
                continue
            prop = self.schema(hint)
            prop.update(field.metadata.get(METADATA_KEY, {}))
            default = field.default
            if default is attrs.NOTHING:
                required.append(field.name)
            elif not isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                prop.setdefault("default", default.value if isinstance(default, Enum) else default)
            properties[field.name] = prop
        schema: JsonSchema = {
            "type": "object",
            "properties": properties,
            # The converter refuses unknown keys, and a view has exactly its fields.
            "additionalProperties": False,
        }
        if kind.__doc__:
            schema["description"] = kind.__doc__.strip()
        if required:
            schema["required"] = required
        return schema
