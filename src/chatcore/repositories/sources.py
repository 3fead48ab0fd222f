"""Where a repository may be cloned from: the URL policy, checked before any network call.

A URL is accepted only when, parsed strictly, its scheme, host and port equal those of an
allowed prefix and its path continues the prefix's path segment by segment. The parser
accepts every repository path under an allowed prefix (`https://github.com/owner/repo`,
with `.git`, with one trailing slash, GitLab subgroups, one-segment paths on an
operator's own server such as `http://git.internal/project.git`) and refuses everything
that could make a clone reach somewhere else than it appears to: credentials or `@` in
the authority, explicit ports, dot segments, percent-encoding, backslashes, whitespace,
non-ASCII hosts, queries and fragments. Scheme and host compare case-insensitively (DNS
does); paths compare exactly.
"""

import re
from collections.abc import Iterable

import attrs

from chatcore.shared.errors import InvalidInput

MAX_URL_LENGTH = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}
# Forges whose clone URLs are exactly /owner/name: anything longer is a page of the web UI
# (…/tree/main, …/pulls), anything shorter a user's page, and either could only fail
# later, so it is refused now. Every other host takes any path under an allowed prefix.
OWNER_AND_NAME_HOSTS = frozenset({"github.com", "bitbucket.org"})

# Everything a forge URL needs; `%`, `@`, `\`, `?`, `#`, whitespace and non-ASCII are
# absent on purpose, so no decoding step can ever turn an accepted URL into another one.
_URL_CHARACTERS = re.compile(r"[A-Za-z0-9._~:/-]*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_HOST_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_PORT = re.compile(r"[0-9]{1,5}")
_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")


@attrs.frozen
class RepositorySource:
    """An approved repository: the URL to clone and the name it gives the artifact."""

    clone_url: str
    default_name: str


@attrs.frozen
class _Origin:
    scheme: str
    host: str
    port: int | None  # as written; None when the URL names no port

    def render(self) -> str:
        port = "" if self.port is None else f":{self.port}"
        return f"{self.scheme}://{self.host}{port}"


@attrs.frozen
class UrlPrefix:
    """One allowed prefix, parsed: an origin and the path segments a URL must start with."""

    origin: _Origin
    segments: tuple[str, ...]

    @classmethod
    def parse(cls, raw: str) -> "UrlPrefix":
        """Parse a configured prefix; ValueError (a configuration error) when malformed."""
        try:
            origin, segments = _split(raw, what="allowed repository prefix")
        except InvalidInput as error:
            raise ValueError(error.message) from None
        return cls(origin, segments)

    def matches(self, origin: _Origin, segments: tuple[str, ...]) -> bool:
        return origin == self.origin and segments[: len(self.segments)] == self.segments

    def render(self) -> str:
        return self.origin.render() + "/" + "".join(f"{s}/" for s in self.segments)


@attrs.frozen
class RepositoryUrlPolicy:
    """The prefixes repositories may come from (CHATCORE_REPOSITORY_ALLOWED_URLS)."""

    prefixes: tuple[UrlPrefix, ...]

    @classmethod
    def from_prefixes(cls, prefixes: Iterable[str]) -> "RepositoryUrlPolicy":
        """Build the policy from configured prefixes; ValueError if one is malformed."""
        parsed = tuple(UrlPrefix.parse(prefix) for prefix in prefixes)
        if not parsed:
            raise ValueError("at least one allowed repository prefix is needed")
        return cls(parsed)

    def approve(self, url: str) -> RepositorySource:
        """The normalised clone URL and default name of `url`; InvalidInput if not allowed."""
        origin, segments = _split(url, what="repository URL")
        prefix = next((p for p in self.prefixes if p.matches(origin, segments)), None)
        if prefix is None and origin.port is not None:
            bare = attrs.evolve(origin, port=None)
            if any(p.matches(bare, segments) for p in self.prefixes):
                raise InvalidInput("Repository URL must not name a port")
        if prefix is None:
            allowed = ", ".join(p.render() for p in self.prefixes)
            raise InvalidInput(f"Repository URL must start with one of: {allowed}")
        rest = segments[len(prefix.segments) :]
        if not rest:
            raise InvalidInput("Repository URL names no repository after the allowed prefix")
        if origin.host in OWNER_AND_NAME_HOSTS and len(segments) != 2:
            raise InvalidInput(
                f"A {origin.host} repository URL is {origin.scheme}://{origin.host}/OWNER/NAME"
            )
        name = segments[-1].removesuffix(".git")
        if not name or name in (".", ".."):
            raise InvalidInput("Repository URL has an empty repository name")
        clone_url = origin.render() + "/" + "/".join(segments)
        return RepositorySource(clone_url=clone_url, default_name=name)


def _split(raw: str, what: str) -> tuple[_Origin, tuple[str, ...]]:
    """The origin and path segments of `raw`; one trailing '/' is allowed and dropped."""
    if not raw:
        raise InvalidInput(f"The {what} is empty")
    if len(raw) > MAX_URL_LENGTH:
        raise InvalidInput(f"The {what} is longer than {MAX_URL_LENGTH} characters")
    if _URL_CHARACTERS.fullmatch(raw) is None:
        bad = next(c for c in raw if _URL_CHARACTERS.fullmatch(c) is None)
        raise InvalidInput(f"The {what} contains {_describe(bad)}")
    scheme, separator, rest = raw.partition("://")
    if not separator or _SCHEME.fullmatch(scheme) is None:
        raise InvalidInput(f"The {what} must start with https:// (or an allowed http://)")
    scheme = scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidInput(f"The {what} uses {scheme}://; only http(s) URLs can be allowed")
    authority, slash, path = rest.partition("/")
    origin = _origin(scheme, authority, what)
    if not slash or not path:
        return origin, ()
    parts = path.removesuffix("/").split("/")
    for part in parts:
        if part in ("", ".", ".."):
            raise InvalidInput(f"The {what} has an empty, '.' or '..' path segment")
        if _SEGMENT.fullmatch(part) is None:
            raise InvalidInput(f"The {what} has a malformed path segment {part!r}")
    return origin, tuple(parts)


def _origin(scheme: str, authority: str, what: str) -> _Origin:
    host, colon, port_text = authority.partition(":")
    host = host.lower()
    labels = host.split(".")
    if not host or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        raise InvalidInput(f"The {what} has a malformed host {host!r}")
    if any(label.startswith("xn--") for label in labels):
        # Punycode spells look-alike hosts (gіthub.com with a Cyrillic і); none is needed.
        raise InvalidInput(f"The {what} has an internationalised (xn--) host")
    port: int | None = None
    if colon:
        if _PORT.fullmatch(port_text) is None or not 0 < int(port_text) < 65536:
            raise InvalidInput(f"The {what} has a malformed port {port_text!r}")
        port = int(port_text)
    return _Origin(scheme, host, port)


def _describe(character: str) -> str:
    reasons = {
        "@": "credentials or a user name are not allowed",
        "%": "percent-encoding is not allowed",
        "?": "a query is not allowed",
        "#": "a fragment is not allowed",
        "\\": "backslashes are not allowed",
    }
    if character in reasons:
        return f"{character!r}: {reasons[character]}"
    if character.isspace() or not character.isprintable():
        return f"a space or control character (U+{ord(character):04X})"
    if ord(character) > 127:
        return f"the non-ASCII character {character!r}"
    return f"{character!r}: only letters, digits and . _ ~ - : / may appear"
