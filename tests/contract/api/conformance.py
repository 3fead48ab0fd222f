"""Checks each response an API test receives against /openapi.json."""

import re
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from entrypoints.http.openapi.document import MULTI_SEGMENT

DOCUMENT_URI = "urn:chatcore:openapi"
_PARAMETER = re.compile(r"\\{(\w+)\\}")
# Served, but not API: the docs page and its assets (they opt out of the document).
NOT_API = ("/docs",)


class ResponseConformance:
    """An httpx response hook: the status must be documented and the body fit its schema.

    A JSON body is validated against its schema; any other (a download) must have one of
    the documented media types, its bytes are not looked at. Headers the document marks
    required must be present and fit their schema.

    A path no route serves must answer the error body; a documented path with a method it
    does not have must answer 405 with the error body.
    """

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._registry: Registry[Any] = Registry().with_resource(
            DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT202012)
        )
        # Literal paths before templated ones (/users/me before /users/{user_id}).
        self._paths = sorted(
            ((_pattern(path, item), path) for path, item in document["paths"].items()),
            key=lambda entry: entry[1].count("{"),
        )

    def documents(self, method: str, path: str) -> bool:
        """Whether the document has an operation for this method and concrete path."""
        return any(
            pattern.match(path) and method.lower() in self.document["paths"][template]
            for pattern, template in self._paths
        )

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        request = response.request
        method = request.method.lower()
        if method == "head" or request.url.path.startswith(NOT_API):
            return
        matches = [path for pattern, path in self._paths if pattern.match(request.url.path)]
        with_method = [path for path in matches if method in self.document["paths"][path]]
        where = f"{request.method} {request.url.path} answered {response.status_code}"
        if not with_method:
            expected = 405 if matches else 404
            assert response.status_code == expected, f"{where}, expected {expected}"
            self._validate(response, "#/components/schemas/ErrorBody", where)
            return
        path = with_method[0]
        responses = self.document["paths"][path][method]["responses"]
        status = str(response.status_code)
        assert status in responses, f"{where}: not documented (documented: {sorted(responses)})"
        pointer = "/".join(
            part.replace("~", "~0").replace("/", "~1")
            for part in ("paths", path, method, "responses", status, "content")
        )
        documented = responses[status]
        for name, header in documented.get("headers", {}).items():
            value = response.headers.get(name)
            if header.get("required"):
                assert value is not None, f"{where}: no {name} header"
            if value is not None:
                # A header is text: an integer schema (Retry-After) describes its digits.
                typed: object = value
                if header["schema"].get("type") == "integer" and value.isdigit():
                    typed = int(value)
                errors = list(Draft202012Validator(header["schema"]).iter_errors(typed))
                assert not errors, f"{where}: {name}: {value!r} not as documented"
        content = documented.get("content", {})
        if "application/json" in content:
            self._validate(response, f"#/{pointer}/application~1json/schema", where)
        elif content:
            media = response.headers.get("content-type", "")
            assert any(_media_matches(key, media) for key in content), (
                f"{where}: Content-Type {media!r}, documented: {sorted(content)}"
            )

    def _validate(self, response: httpx.Response, pointer: str, where: str) -> None:
        assert response.headers.get("content-type", "").startswith("application/json"), where
        validator = Draft202012Validator(
            {"$ref": f"{DOCUMENT_URI}{pointer}"},
            registry=self._registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        errors = sorted(validator.iter_errors(response.json()), key=str)
        assert not errors, (
            f"{where}, not as documented: {errors[0].message} at {errors[0].json_path}"
        )


def _pattern(path: str, item: dict[str, Any]) -> re.Pattern[str]:
    # A parameter marked x-multi-segment (`{file_path:path}` in the route) spans slashes.
    spans = {
        parameter["name"]
        for operation in item.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path" and parameter.get(MULTI_SEGMENT)
    }
    return re.compile(
        _PARAMETER.sub(lambda found: ".+" if found[1] in spans else "[^/]+", re.escape(path)) + "$"
    )


def _media_matches(documented: str, actual: str) -> bool:
    """Whether a Content-Type fits a documented media type or range (`*/*`, `text/*`)."""

    def normal(value: str) -> str:
        return ";".join(part.strip() for part in value.lower().split(";"))

    wanted, got = normal(documented), normal(actual)
    if wanted == "*/*" or wanted == got:
        return True
    bare = got.split(";", 1)[0]
    if wanted.endswith("/*"):
        return bare.startswith(wanted[:-1])
    # A documented type without parameters takes the type with any (`; charset=…`).
    return ";" not in wanted and wanted == bare
