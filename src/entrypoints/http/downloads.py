"""Headers for a download that can never render as a page in the API's origin.

For the artifact routes: an uploaded HTML or SVG file served inline could run script as
the API. `attachment` makes browsers save it; nosniff stops them guessing a type; the
filename is reduced to safe characters, so it cannot break out of the header, and the
full name travels in RFC 6266's UTF-8 form (`filename*`) when the safe one differs.
"""

import re
import unicodedata
from urllib.parse import quote

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")
MAX_FILENAME = 150
MAX_EXTENSION = 16  # longer, and what follows the last dot is not an extension
# What the OpenAPI document says of every download's Content-Disposition.
ATTACHMENT_SCHEMA = {"type": "string", "pattern": '^attachment; filename="[^"]*"'}


def safe_filename(name: str, fallback: str = "download") -> str:
    """An ASCII file name with no path, quotes or control characters."""
    base = _base(name)
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    cleaned = _shortened(_UNSAFE.sub("_", ascii_name).strip(" ."))
    _, dot, extension = ascii_name.rpartition(".")
    if dot and cleaned and cleaned == _UNSAFE.sub("_", extension).strip(" ."):
        # Nothing was left of the stem ("日本語.pdf"): keep the extension, for the OS.
        cleaned = f"{fallback}.{cleaned}"
    return cleaned or fallback


def attachment_headers(filename: str) -> dict[str, str]:
    """Content-Disposition (ASCII, and RFC 5987 UTF-8 when needed), nosniff, a sandbox CSP."""
    base = _base(filename) or "download"
    ascii_name = safe_filename(filename)
    disposition = f'attachment; filename="{ascii_name}"'
    if ascii_name != base:
        disposition += f"; filename*=UTF-8''{quote(base, safe='')}"
    return {
        "Content-Disposition": disposition,
        "X-Content-Type-Options": "nosniff",
        # Should a browser still open it, the document gets no script and no origin.
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }


def _base(name: str) -> str:
    # Browsers send a whole path at times; only its last part is the file's name.
    return _shortened(name.replace("\\", "/").rsplit("/", 1)[-1])


def _shortened(name: str) -> str:
    """At most MAX_FILENAME characters, cut from the stem: the extension says what opens it."""
    if len(name) <= MAX_FILENAME:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or not 0 < len(extension) <= MAX_EXTENSION:
        return name[:MAX_FILENAME]
    return f"{stem[: MAX_FILENAME - len(extension) - 1].rstrip(' .')}.{extension}"
