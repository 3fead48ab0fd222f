"""The text of a DOCX with the standard library: its main part, streamed through expat.

Measured against python-docx on a 20,000-paragraph document (see the commit that chose
it): streaming never holds the XML tree, so memory stays flat whatever the size, and it
reads tables and text boxes in document order too. A document type declaration is
refused outright: WordprocessingML has none, and entities are how XML bombs explode.
"""

import zipfile
from pathlib import Path
from typing import IO
from xml.parsers import expat

from adapters.text_extraction.buffer import TextBuffer
from chatcore.artifacts.texts import DocumentText

MAIN_PART = "word/document.xml"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
READ_BYTES = 64 * 1024
# Runs of these inside a paragraph, as the characters they stand for.
_INLINE = {f"{W} tab": "\t", f"{W} br": "\n", f"{W} cr": "\n", f"{W} noBreakHyphen": "-"}


class _Refused(Exception):
    pass


class _Full(Exception):
    pass


def docx_text(path: Path, max_chars: int) -> DocumentText:
    """The paragraphs of the DOCX at `path`, a blank line apart (empty ones skipped)."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open(MAIN_PART) as part:
            return _Paragraphs(max_chars).read(part)
    except (zipfile.BadZipFile, KeyError) as error:
        return DocumentText.failed(f"The DOCX could not be read: {error}")
    except expat.ExpatError as error:
        return DocumentText.failed(f"The DOCX's text is not well-formed XML: {error}")
    except _Refused:
        return DocumentText.failed("The DOCX declares a document type, which Word never does")


class _Paragraphs:
    def __init__(self, max_chars: int) -> None:
        self.buffer = TextBuffer(max_chars)
        self.paragraph: list[str] = []
        self.paragraph_length = 0
        self.in_text = False
        self.written = 0

    def read(self, part: IO[bytes]) -> DocumentText:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartDoctypeDeclHandler = self._refuse
        parser.EntityDeclHandler = self._refuse
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._characters
        try:
            while chunk := part.read(READ_BYTES):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except _Full:
            pass
        return self.buffer.result()

    def _refuse(self, *_: object) -> None:
        raise _Refused

    def _start(self, name: str, _attributes: dict[str, str]) -> None:
        if name == f"{W} t":
            self.in_text = True
        elif name in _INLINE:
            self.paragraph.append(_INLINE[name])

    def _end(self, name: str) -> None:
        if name == f"{W} t":
            self.in_text = False
        elif name == f"{W} p" and not self._flush():
            raise _Full

    def _characters(self, data: str) -> None:
        if self.in_text:
            self.paragraph.append(data)
            self.paragraph_length += len(data)
            # One paragraph of megabytes (a hostile file) is cut as it comes, not held.
            if self.paragraph_length > self.buffer.max_chars:
                self._flush()
                raise _Full

    def _flush(self) -> bool:
        text = "".join(self.paragraph).strip()
        self.paragraph.clear()
        self.paragraph_length = 0
        if not text:
            return True
        separator = "\n\n" if self.written else ""
        self.written += 1
        return self.buffer.add(separator + text)
