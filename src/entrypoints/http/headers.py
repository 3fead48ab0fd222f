"""Security headers on every response: errors, 404s and 500s included.

A pure ASGI middleware (BaseHTTPMiddleware would cost more per request and buffer
streamed bodies). It sits outside Starlette's own error middleware, so even the
response to a crash carries the headers.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The API answers JSON; the only page it serves is Swagger UI at /docs, whose scripts and
# stylesheets come from /docs/... (no inline script: its bootstrap must be a file too).
# Swagger UI sets inline styles and draws its icons from data: SVGs, hence those two.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
ALWAYS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
)
NO_STORE = (b"cache-control", b"no-store")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        # A response to a request with credentials is someone's own data: no cache,
        # shared or private, may keep it.
        authorized = any(name == b"authorization" for name, _ in scope["headers"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _with_ours(message.get("headers", []), authorized)
            await send(message)

        await self._app(scope, receive, send_with_headers)


def _with_ours(headers: list[tuple[bytes, bytes]], authorized: bool) -> list[tuple[bytes, bytes]]:
    # ASGI header names are lower-case. The list is the response's own: extended in place.
    if not isinstance(headers, list):
        headers = list(headers)
    present = {name for name, _ in headers}
    if authorized and b"cache-control" in present:
        headers = [header for header in headers if header[0] != b"cache-control"]
    for header in ALWAYS:
        if header[0] not in present:
            headers.append(header)
    if authorized:
        headers.append(NO_STORE)
    return headers
