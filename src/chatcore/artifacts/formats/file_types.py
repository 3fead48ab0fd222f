"""What an uploaded file is: its type from the extension, confirmed by its first bytes.

Pure functions over names and bytes; nothing here reads a file.
"""

import base64
import codecs

import attrs

from chatcore.artifacts.model import ArtifactType
from chatcore.shared.errors import InvalidInput

# Enough bytes for every signature below.
HEAD_BYTES = 8

PDF_SIGNATURE = b"%PDF-"
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a first member, or an empty archive
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of .doc
# The two parts every WordprocessingML package has (ECMA-376 part 2).
DOCX_REQUIRED_MEMBERS = ("[Content_Types].xml", "word/document.xml")


@attrs.frozen
class FileKind:
    extension: str
    type: ArtifactType
    content_type: str


KINDS = {
    kind.extension: kind
    for kind in (
        FileKind(".pdf", ArtifactType.PDF, "application/pdf"),
        FileKind(".doc", ArtifactType.DOC, "application/msword"),
        FileKind(
            ".docx",
            ArtifactType.DOC,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        FileKind(".zip", ArtifactType.ZIP, "application/zip"),
        FileKind(".txt", ArtifactType.TEXT, "text/plain; charset=utf-8"),
    )
}


def safe_filename(raw: str | None) -> str:
    """The last component of a client's filename (browsers may send a whole path)."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(c for c in name if ord(c) >= 32 and c != "\x7f")
    if not name:
        raise InvalidInput("The uploaded file has no filename")
    return name[:255]


def kind_of(filename: str) -> FileKind:
    """The kind an upload claims by its extension; InvalidInput for unsupported ones."""
    _, dot, extension = filename.rpartition(".")
    kind = KINDS.get(f".{extension.lower()}") if dot else None
    if kind is None:
        supported = ", ".join(KINDS)
        raise InvalidInput(f"Unsupported file type: supported extensions are {supported}")
    return kind


def check_signature(kind: FileKind, head: bytes) -> None:
    """InvalidInput unless the first bytes are those of a `kind` file.

    Text has no signature: it is checked as UTF-8 while it streams (see Utf8Check).
    """
    matches = {
        ".pdf": head.startswith(PDF_SIGNATURE),
        ".doc": head.startswith(OLE2_SIGNATURE),
        ".docx": head.startswith(ZIP_SIGNATURES),
        ".zip": head.startswith(ZIP_SIGNATURES),
        ".txt": True,
    }[kind.extension]
    if not matches:
        raise InvalidInput(f"File content does not match its {kind.extension} extension")


class Utf8Check:
    """Checks a stream of chunks as UTF-8 text, one chunk at a time.

    A multi-byte character may straddle two chunks; the incremental decoder carries it.
    """

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    def feed(self, chunk: bytes, final: bool = False) -> None:
        try:
            text = self._decoder.decode(chunk, final)
        except UnicodeDecodeError:
            raise InvalidInput("A .txt file must be UTF-8 text") from None
        # NUL never appears in text files; it marks binary data renamed to .txt.
        if "\x00" in text:
            raise InvalidInput("A .txt file must be UTF-8 text")


def decode_content(data: bytes) -> tuple[str, str]:
    """A file's content for JSON: (text, "utf-8") where it decodes, else (base64, "base64")."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), "base64"
