"""The Origin allow-list of room sockets: listed origins, the server's own, no browser."""

import pytest

from entrypoints.http.origins import OriginPolicy

HOST = "chat.example:8000"


@pytest.mark.parametrize(
    ("origin", "admitted"),
    [
        (None, True),  # no browser: a script or an app, carrying its own token
        ("http://chat.example:8000", True),  # the server's own pages
        ("https://chat.example:8000", True),
        ("HTTPS://App.Example/", True),  # listed, written another way
        ("https://app.example.evil", False),
        ("https://evil.example", False),
        ("http://chat.example", False),  # another port is another origin
        ("null", False),  # sandboxed frames and files
        ("chat.example:8000", False),  # not an origin at all
        ("ws://chat.example:8000", False),  # no page has a ws: origin
    ],
)
def test_who_may_open_a_room_socket(origin: str | None, admitted: bool) -> None:
    policy = OriginPolicy.of(["https://app.example"])
    assert policy.admits(origin, HOST) is admitted


def test_a_star_admits_any_origin() -> None:
    assert OriginPolicy.of(["*"]).admits("https://anyone.example", HOST)
    assert not OriginPolicy.of([]).admits("https://anyone.example", None)
