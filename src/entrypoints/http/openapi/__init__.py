"""The API's OpenAPI 3.1 description, generated from the route table.

How to document a new route (an undocumented one fails `tests/contract/api/test_openapi.py`):

    routes = [
        ApiRoute("POST", "/chat/sessions/{session_id}/artifacts", create_artifact, Operation(
            "Create an artifact",      # summary
            ArtifactOut,               # success body: an attrs view class, or list[ArtifactOut]
            status=201,                # its status code (200 by default)
            body=ArtifactBody,         # the attrs class the endpoint structures its body into
            errors=(400, 404),         # other error codes; 401 and 422 are added as they apply
        )),
    ]

- `auth="bearer"` (default) needs an access token; `"optional"` or `"none"` say otherwise.
- Query parameters: declare them once (`IntQuery`, `TextQuery` in `validation.py`), read
  them in the endpoint with `.read(request)` and list them in `query=[...]`.
- Other bodies: `body_media=(...)` names the media types (e.g. `"multipart/form-data"` with
  a body class whose field is `bytes`-like; extend `SchemaRegistry.schema` for new types).
- A WebSocket route is an `ApiWebSocketRoute(path, endpoint, description)`; its text goes
  into the document's description. A route that is not API (the docs page) says
  `include_in_schema=False`.
See docs/openapi.md.
"""

from entrypoints.http.openapi.operation import ApiRoute, ApiWebSocketRoute, Operation

__all__ = ["ApiRoute", "ApiWebSocketRoute", "Operation"]
