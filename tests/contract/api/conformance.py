"""Checks each response an API test receives against /openapi.json."""

import re
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOCUMENT_URI = "urn:chatcore:openapi"
_PARAMETER = re.compile(r"\\{(\w+)\\}")
# Served, but not API: the docs page and its assets (they opt out of the document).
NOT_API = ("/docs",)


class ResponseConformance:
    """An httpx response hook: the status must be documented and the body fit its schema.

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
            (
                (re.compile(_PARAMETER.sub(r"[^/]+", re.escape(path)) + "$"), path)
                for path in document["paths"]
            ),
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
        content = responses[status].get("content", {})
        if "application/json" in content:
            self._validate(response, f"#/{pointer}/application~1json/schema", where)

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
