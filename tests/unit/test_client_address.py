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


def origin_scope(peer: str, proto: str, host: str) -> dict[str, object]:
    headers = [(b"x-forwarded-proto", proto.encode()), (b"x-forwarded-host", host.encode())]
    return {"type": "http", "client": (peer, 5000), "headers": headers}


def test_a_trusted_proxy_names_the_scheme_and_host_the_client_called() -> None:
    addresses = ClientAddresses(["10.0.0.1"])
    found = addresses.forwarded_origin(origin_scope("10.0.0.1", "https, http", "chat.example.com"))
    assert found == ("https", "chat.example.com")


def test_an_untrusted_peer_names_no_origin() -> None:
    found = ClientAddresses(["10.0.0.1"]).forwarded_origin(
        origin_scope("203.0.113.9", "https", "evil.example")
    )
    assert found == (None, None)
    assert ClientAddresses().forwarded_origin(origin_scope("10.0.0.1", "https", "x")) == (
        None,
        None,
    )


@pytest.mark.parametrize(
    ("proto", "host", "believed"),
    [
        ("javascript", "chat.example.com", (None, "chat.example.com")),
        ("https", "a>b", ("https", None)),  # it would break out of the Link's <…>
        ("https", "a b", ("https", None)),
        ("https", "[::1]:8443", ("https", "[::1]:8443")),
    ],
)
def test_only_plain_schemes_and_hosts_are_believed(
    proto: str, host: str, believed: tuple[str | None, str | None]
) -> None:
    addresses = ClientAddresses(["10.0.0.1"])
    assert addresses.forwarded_origin(origin_scope("10.0.0.1", proto, host)) == believed
