"""Security headers on every response: errors, 404s and 500s included (the edge adds
them, entrypoints/http/edge.py)."""

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


def with_security_headers(
    headers: list[tuple[bytes, bytes]], authorized: bool
) -> list[tuple[bytes, bytes]]:
    """A response's headers with ours; `authorized`: the request came with credentials."""
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
