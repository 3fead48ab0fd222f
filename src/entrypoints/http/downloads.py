"""Headers for a download that can never render as a page in the API's origin.

For the artifact routes: an uploaded HTML or SVG file served inline could run script as
the API. `attachment` makes browsers save it; nosniff stops them guessing a type; the
filename is reduced to safe characters, so it cannot break out of the header.
"""

import re
import unicodedata
from urllib.parse import quote

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")
MAX_FILENAME = 150


def safe_filename(name: str, fallback: str = "download") -> str:
    """An ASCII file name with no path, quotes or control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE.sub("_", ascii_name).strip(" .")[:MAX_FILENAME]
    return cleaned or fallback


def attachment_headers(filename: str) -> dict[str, str]:
    """Content-Disposition (ASCII and RFC 5987 UTF-8 forms), nosniff, and a sandbox CSP."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1][:MAX_FILENAME] or "download"
    return {
        "Content-Disposition": (
            f"attachment; filename=\"{safe_filename(filename)}\"; filename*=UTF-8''{quote(base)}"
        ),
        "X-Content-Type-Options": "nosniff",
        # Should a browser still open it, the document gets no script and no origin.
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
