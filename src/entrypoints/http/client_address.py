"""Who is on the other end: the peer's address, or the client a trusted proxy names.

Uvicorn runs with proxy_headers=False, so the ASGI scope's client is always the peer.
X-Forwarded-For is believed only when the peer is a listed proxy (anyone else could write
any address there and dodge every per-address limit), and then read from the right: each
trusted proxy appends the address it saw, so the rightmost untrusted one is the client.
"""

import ipaddress
import re
from collections.abc import Iterable
from ipaddress import IPv4Network, IPv6Network

from starlette.types import Scope

UNKNOWN = "unknown"


class ClientAddresses:
    def __init__(self, trusted_proxies: Iterable[str] = ()) -> None:
        self._networks: tuple[IPv4Network | IPv6Network, ...] = tuple(
            ipaddress.ip_network(entry.strip(), strict=False) for entry in trusted_proxies
        )

    def of(self, scope: Scope) -> str:
        """The client address of a request (or WebSocket) scope."""
        client = scope.get("client")
        peer = client[0] if client else UNKNOWN
        if not self._networks or not self._trusted(peer):
            return peer
        forwarded = [
            value.decode("latin-1")
            for name, value in scope["headers"]
            if name == b"x-forwarded-for"
        ]
        hops = [hop.strip() for value in forwarded for hop in value.split(",")]
        for hop in reversed(hops):
            if not self._trusted(hop):
                return hop if _is_address(hop) else peer
        return hops[0] if hops else peer

    def forwarded_origin(self, scope: Scope) -> tuple[str | None, str | None]:
        """The scheme and host a trusted proxy says the client called (None: not said).

        Read for links the API hands back (the next page), so that a client behind a
        TLS-terminating proxy gets an `https://` URL of the public host. The first value
        is the one the outermost proxy saw from the client.
        """
        client = scope.get("client")
        if not self._networks or not client or not self._trusted(client[0]):
            return None, None
        scheme = _first(scope, b"x-forwarded-proto")
        host = _first(scope, b"x-forwarded-host")
        return (
            scheme.lower() if scheme is not None and scheme.lower() in ("http", "https") else None,
            host if host is not None and _HOST.fullmatch(host) else None,
        )

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._networks)


PEERS = ClientAddresses()  # no proxy trusted: the peer is the client


_HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


def _first(scope: Scope, name: bytes) -> str | None:
    for header, value in scope["headers"]:
        if header == name:
            first = value.decode("latin-1").split(",")[0].strip()
            return first or None
    return None


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
