"""Which web pages may open a room socket: the Origin allow-list.

Browsers send cookies with a WebSocket handshake whatever page opens it, and the same-origin
policy does not apply to WebSockets: a host that identifies callers by cookie would let any
site chat in its users' names. A browser always says which page is connecting (`Origin`);
so only the server's own pages and the allowed origins are let in. A handshake without an
Origin comes from no browser (a script, a mobile app), which carries its token itself.
"""

from collections.abc import Iterable

import attrs


@attrs.frozen
class OriginPolicy:
    allowed: frozenset[str] = frozenset()
    any_origin: bool = False

    @classmethod
    def of(cls, origins: Iterable[str]) -> "OriginPolicy":
        """The policy that admits `origins` (as `scheme://host[:port]`; `*`: any)."""
        listed = [origin.strip() for origin in origins]
        return cls(
            allowed=frozenset(_normalized(origin) for origin in listed if origin != "*"),
            any_origin="*" in listed,
        )

    def admits(self, origin: str | None, host: str | None) -> bool:
        """Whether a handshake with this Origin and Host header may go on."""
        if origin is None or self.any_origin:
            return True
        origin = _normalized(origin)
        if origin in self.allowed:
            return True
        # The server's own pages: the origin names the host the browser connected to.
        scheme, separator, authority = origin.partition("://")
        return (
            scheme in ("http", "https")
            and bool(separator)
            and host is not None
            and authority == host.strip().lower()
        )


def _normalized(origin: str) -> str:
    return origin.strip().lower().rstrip("/")
