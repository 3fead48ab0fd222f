"""The text of a PDF with pypdf: its content streams' order, paragraphs, pages by form feeds.

pypdf's plain extraction follows the order of the content streams, which is the reading
order of most documents (columns one after the other), but puts one line break between
every pair of lines. The vertical position of each line tells paragraphs apart: a gap
well above the usual line step starts a new paragraph, written as a blank line.
"""

import re
from pathlib import Path
from typing import Any

import pypdf
from pypdf.errors import DependencyError, FileNotDecryptedError

from adapters.text_extraction.buffer import TextBuffer
from chatcore.artifacts.texts import DocumentText

PAGE_BREAK = "\f"
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_SPACES = re.compile(r"  +")
# A drop this many times the usual line step (or, before a step is known, the font size)
# starts a paragraph: leading is usually 1.2-1.5 times the font, a paragraph gap more.
PARAGRAPH_STEP_RATIO = 1.4
PARAGRAPH_FONT_RATIO = 1.8


def pdf_text(path: Path, max_chars: int) -> DocumentText:
    """The text of the PDF at `path`; unsupported when encrypted or without a text layer."""
    reader = pypdf.PdfReader(path)
    if reader.is_encrypted:
        try:
            # Many PDFs are encrypted only to restrict printing or copying, with an empty
            # password to open them: those are read. Others need a password we lack.
            opened = reader.decrypt("")
        except (DependencyError, NotImplementedError):
            opened = None
        if not opened:
            return DocumentText.unsupported("The PDF is encrypted: its text cannot be read")
    buffer = TextBuffer(max_chars)
    try:
        for number, page in enumerate(reader.pages):
            if number and not buffer.add(PAGE_BREAK):
                break
            if not buffer.add(_page_text(page)):
                break
    except FileNotDecryptedError:
        return DocumentText.unsupported("The PDF is encrypted: its text cannot be read")
    if not buffer.has_words():
        return DocumentText.unsupported(
            "The PDF has no text layer (a scan or only images): its text cannot be read"
        )
    return buffer.result()


def _page_text(page: pypdf.PageObject) -> str:
    lines = _Lines()
    # The pieces the visitor sees are exactly the page's text, in order (pypdf builds its
    # result from the same pieces), each with the matrices that place it.
    page.extract_text(visitor_text=lines.visit)
    text = _TRAILING_SPACE.sub("\n", "".join(lines.parts))
    # Justified lines come out with a space for every widened gap: one is a word break.
    return _SPACES.sub(" ", text).strip()


class _Lines:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self._at_line_start = True
        self._last_y: float | None = None
        self._step: float | None = None

    def visit(self, text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if self._at_line_start and text.strip():
            self._at_line_start = False
            # The baseline's height in user space: the text matrix through the CTM.
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            height = abs(size * tm[3] * cm[3]) or abs(size)
            if self._last_y is not None:
                drop = self._last_y - y
                if self._is_paragraph_gap(drop, height):
                    self.parts.append("\n")
                elif drop > 0:
                    self._step = drop
            self._last_y = y
        self.parts.append(text)
        if text.endswith("\n"):
            self._at_line_start = True

    def _is_paragraph_gap(self, drop: float, height: float) -> bool:
        if self._step is not None:
            return drop > PARAGRAPH_STEP_RATIO * self._step
        return drop > PARAGRAPH_FONT_RATIO * height
