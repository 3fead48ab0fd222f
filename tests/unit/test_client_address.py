"""The client address: the peer, unless a trusted proxy names the client."""

import pytest

from entrypoints.http.client_address import ClientAddresses


def scope(peer: str, *forwarded: str) -> dict[str, object]:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return {"type": "http", "client": (peer, 5000), "headers": headers}


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert ClientAddresses().of(scope("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_a_header_from_an_untrusted_peer_is_ignored() -> None:
    addresses = ClientAddresses(["10.0.0.0/8"])
    assert addresses.of(scope("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_a_trusted_proxy_names_the_client() -> None:
    addresses = ClientAddresses(["10.0.0.1"])
    assert addresses.of(scope("10.0.0.1", "198.51.100.1")) == "198.51.100.1"


def test_the_rightmost_untrusted_hop_is_the_client() -> None:
    # The client wrote "1.2.3.4" itself; only what the proxies appended is believed.
    addresses = ClientAddresses(["10.0.0.0/8", "fd00::/8"])
    assert addresses.of(scope("10.0.0.1", "1.2.3.4, 198.51.100.7", "10.0.0.2")) == "198.51.100.7"
    assert addresses.of(scope("fd00::1", "2001:db8::5")) == "2001:db8::5"


@pytest.mark.parametrize("forwarded", [[], ["not-an-address"]])
def test_without_a_usable_header_the_proxy_is_the_client(forwarded: list[str]) -> None:
    addresses = ClientAddresses(["10.0.0.1"])
    assert addresses.of(scope("10.0.0.1", *forwarded)) == "10.0.0.1"


def test_a_scope_without_a_client_is_unknown() -> None:
    assert ClientAddresses(["10.0.0.1"]).of({"type": "http", "headers": []}) == "unknown"
