"""/openapi.json, and /docs: Swagger UI served from files vendored beside this module, no CDN."""

from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from entrypoints.http.openapi import ApiRoute, Operation

# No inline script anywhere: the page stays within a strict Content-Security-Policy.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"
)

# Relative links: the page works behind a proxy that serves it under a path prefix.
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>chatcore API</title>
  <link rel="icon" type="image/png" href="docs/favicon-32x32.png">
  <link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/swagger-ui-bundle.js"></script>
  <script src="docs/init.js"></script>
</body>
</html>
"""

INIT_JS = """"use strict";
window.ui = SwaggerUIBundle({
  url: new URL("../openapi.json", document.currentScript.src).href,
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
});
"""

# npm's swagger-ui-dist, the Swagger project's own build: its version and each file's
# SHA-256 are in MANIFEST.json (checked by tests/packaging/test_swagger_ui_assets.py). Only what
# the page loads is served: not the licence files, nor the manifest.
SWAGGER_UI = Path(__file__).parent / "swagger_ui"
SWAGGER_FILES = ("swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png")
ASSET_CACHE = {"Cache-Control": "public, max-age=86400"}


async def openapi_json(request: Request) -> Response:
    document: bytes = request.app.state.openapi
    return Response(document, media_type="application/json")


async def docs_page(request: Request) -> Response:
    return HTMLResponse(PAGE, headers={"Content-Security-Policy": PAGE_POLICY})


async def docs_asset(request: Request) -> Response:
    name = request.path_params["asset"]
    if name == "init.js":
        return Response(INIT_JS, media_type="text/javascript", headers=ASSET_CACHE)
    if name not in SWAGGER_FILES:
        raise HTTPException(404, "Not Found")
    return FileResponse(SWAGGER_UI / name, headers=ASSET_CACHE)


routes: list[Any] = [
    ApiRoute("GET", "/openapi.json", openapi_json, Operation(
        "This document (OpenAPI 3.1)", dict[str, Any], auth="none",
    )),
    Route("/docs", docs_page, methods=["GET"], include_in_schema=False),
    Route("/docs/{asset}", docs_asset, methods=["GET"], include_in_schema=False),
]  # fmt: skip
