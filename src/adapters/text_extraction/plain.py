"""The text of a .txt upload: its UTF-8 content (checked when it was uploaded), cut at the
limit. Cheap and bounded, so it is read in the worker's own process."""

import codecs
from typing import BinaryIO

from adapters.text_extraction.buffer import TextBuffer
from chatcore.artifacts.texts import DocumentText

READ_BYTES = 64 * 1024


def plain_text(document: BinaryIO, max_chars: int) -> DocumentText:
    """The document's characters, at most `max_chars` of them."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    buffer = TextBuffer(max_chars)
    while chunk := document.read(READ_BYTES):
        if not buffer.add(decoder.decode(chunk)):
            return buffer.result()
    buffer.add(decoder.decode(b"", final=True))
    return buffer.result()
