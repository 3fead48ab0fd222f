"""The TextExtractor port on real documents made by real tools, and on hostile ones.

Each document is read in a child process of the adapter's; these tests go through the
port as the worker does, so the child, its limits and its answers are all exercised.
"""

import io
import os
import re
import shutil
import time
from pathlib import Path

import pytest

from adapters.text_extraction import IsolatedTextExtractor
from chatcore.artifacts.texts import MIB, DocumentFormat, DocumentText, TextLimits, TextStatus
from chatcore.shared.errors import Cancelled
from tests import documents, files
from tests.documents import FRENCH, GREEK, RUSSIAN

LIMITS = TextLimits()
needs_font = pytest.mark.skipif(
    not documents.FONT.exists(), reason="fonts-dejavu-core is not installed (make test does)"
)


def extract(
    data: bytes, format: DocumentFormat, limits: TextLimits = LIMITS, cancelled: bool = False
) -> DocumentText:
    return IsolatedTextExtractor().extract(
        io.BytesIO(data), format, limits, cancelled=lambda: cancelled
    )


@pytest.fixture(scope="module")
def three_pages() -> bytes:
    return documents.pdf_document(3)


@needs_font
def test_pdf_pages_come_in_order_apart_by_form_feeds(three_pages: bytes) -> None:
    document = extract(three_pages, DocumentFormat.PDF)
    assert document.status is TextStatus.READY and not document.truncated
    pages = document.text.split("\f")
    assert len(pages) == 3
    for number, page in enumerate(pages, start=1):
        assert page.startswith(f"Page {number} opens: {GREEK}, {RUSSIAN}.")
        assert f"Page {number} second paragraph: {FRENCH}." in page


@needs_font
def test_pdf_paragraphs_are_apart_by_a_blank_line_and_lines_within_are_not(
    three_pages: bytes,
) -> None:
    page = extract(three_pages, DocumentFormat.PDF).text.split("\f")[0]
    first, second = page.split("\n\n")
    assert first.startswith("Page 1 opens") and "\n" in first  # wrapped lines stay lines
    assert second.startswith("Page 1 second paragraph")
    assert re.sub(r"\s+", " ", first) == documents.page_paragraphs(1)[0].strip()


@needs_font
def test_pdf_text_is_cut_at_the_limit_and_says_so(three_pages: bytes) -> None:
    document = extract(three_pages, DocumentFormat.PDF, TextLimits(max_chars=700))
    assert document.status is TextStatus.READY and document.truncated
    assert len(document.text) == 700
    assert document.text.startswith("Page 1 opens")


def test_an_encrypted_pdf_is_unsupported() -> None:
    document = extract(documents.encrypted_pdf("secret"), DocumentFormat.PDF)
    assert document.status is TextStatus.UNSUPPORTED
    assert document.reason is not None and "encrypted" in document.reason


@needs_font
def test_a_pdf_encrypted_with_an_empty_password_is_read() -> None:
    # Encrypted only to restrict copying or printing: any reader opens it.
    document = extract(documents.encrypted_pdf(""), DocumentFormat.PDF)
    assert document.status is TextStatus.READY and GREEK in document.text


def test_a_pdf_without_a_text_layer_is_unsupported() -> None:
    document = extract(documents.image_only_pdf(), DocumentFormat.PDF)
    assert document.status is TextStatus.UNSUPPORTED
    assert document.reason is not None and "no text layer" in document.reason


@needs_font
def test_a_truncated_pdf_fails_with_a_readable_reason(three_pages: bytes) -> None:
    document = extract(three_pages[: len(three_pages) // 2], DocumentFormat.PDF)
    assert document.status is TextStatus.FAILED
    assert document.reason is not None and document.reason.startswith("The PDF could not be read")


def test_bytes_that_are_no_pdf_fail() -> None:
    document = extract(b"%PDF-1.7\n" + b"not a pdf at all " * 50, DocumentFormat.PDF)
    assert document.status is TextStatus.FAILED
    assert document.reason is not None and document.reason.startswith("The PDF could not be read")


def test_a_pdf_whose_stream_inflates_to_gigabytes_fails_fast() -> None:
    started = time.monotonic()
    document = extract(documents.deflate_bomb_pdf(gibibytes=2), DocumentFormat.PDF)
    assert document.status is TextStatus.FAILED
    assert document.reason is not None and "could not be read" in document.reason
    assert time.monotonic() - started < 30


def test_a_document_over_the_memory_cap_fails_and_says_why() -> None:
    limits = TextLimits(max_memory_bytes=128 * MIB)
    document = extract(documents.deflate_bomb_pdf(gibibytes=1), DocumentFormat.PDF, limits)
    assert document.status is TextStatus.FAILED
    assert document.reason == "Reading the document needs more than 128 MiB of memory"


@needs_font
def test_a_document_over_the_time_limit_fails_and_says_why(three_pages: bytes) -> None:
    # A child process cannot even start in a tenth of a second: the deadline always wins.
    document = extract(three_pages, DocumentFormat.PDF, TextLimits(timeout_seconds=0.1))
    assert document.status is TextStatus.FAILED
    assert document.reason == "Reading the document took longer than 0.1 seconds"


@needs_font
def test_a_cancelled_extraction_stops_at_once(three_pages: bytes) -> None:
    started = time.monotonic()
    with pytest.raises(Cancelled):
        extract(three_pages, DocumentFormat.PDF, cancelled=True)
    assert time.monotonic() - started < 5


def test_a_large_pdf_grows_the_callers_memory_by_little(tmp_path: Path) -> None:
    # The document is read by the child; the caller copies it through in chunks.
    data = documents.large_pdf(megabytes=50)
    source = tmp_path / "large.pdf"
    source.write_bytes(data)
    del data
    before = _reset_peak_rss()
    with source.open("rb") as stream:
        document = IsolatedTextExtractor().extract(
            stream, DocumentFormat.PDF, LIMITS, cancelled=lambda: False
        )
    growth = _peak_rss() - before
    assert document.status is TextStatus.READY
    assert "Words beside a large picture" in document.text
    assert growth < 200 * MIB


PARAGRAPHS = [
    f"The first paragraph: {GREEK}.",
    f"The second one, {RUSSIAN}, with a\ttab.",
    "",  # an empty paragraph (spacing in Word) makes no blank lines of its own
    f"The third: {FRENCH}.",
]


def test_docx_paragraphs_and_tables_come_in_order_a_blank_line_apart() -> None:
    data = documents.docx_document(PARAGRAPHS, table=[["cell A1", "cell B1"], ["A2", "B2"]])
    document = extract(data, DocumentFormat.DOCX)
    assert document.status is TextStatus.READY and not document.truncated
    assert document.text.split("\n\n") == [
        f"The first paragraph: {GREEK}.",
        f"The second one, {RUSSIAN}, with a\ttab.",
        f"The third: {FRENCH}.",
        "cell A1",
        "cell B1",
        "A2",
        "B2",
    ]


def test_docx_text_is_cut_at_the_limit_and_says_so() -> None:
    data = documents.docx_document([f"Paragraph {n} " + "word " * 50 for n in range(200)])
    document = extract(data, DocumentFormat.DOCX, TextLimits(max_chars=1000))
    assert document.status is TextStatus.READY and document.truncated
    assert len(document.text) == 1000 and document.text.startswith("Paragraph 0 ")


def test_a_docx_that_declares_entities_fails_unexpanded() -> None:
    body = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>"
    )
    document = extract(
        files.zip_of({"[Content_Types].xml": "<Types/>", "word/document.xml": body}),
        DocumentFormat.DOCX,
    )
    assert document.status is TextStatus.FAILED
    assert document.reason == "The DOCX declares a document type, which Word never does"


def test_a_docx_without_its_main_part_fails() -> None:
    document = extract(files.zip_of({"[Content_Types].xml": "<Types/>"}), DocumentFormat.DOCX)
    assert document.status is TextStatus.FAILED
    assert document.reason is not None and document.reason.startswith("The DOCX could not be read")


def test_a_truncated_docx_fails() -> None:
    data = documents.docx_document(PARAGRAPHS)
    document = extract(data[: len(data) // 2], DocumentFormat.DOCX)
    assert document.status is TextStatus.FAILED


@pytest.fixture(scope="module")
def legacy_doc(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    if documents.SOFFICE is None:
        pytest.skip("LibreOffice (libreoffice-writer-nogui) is not installed: make test does")
    return documents.doc_document(PARAGRAPHS, tmp_path_factory.mktemp("doc"))


@pytest.mark.skipif(shutil.which("catdoc") is None, reason="catdoc is not installed")
def test_a_legacy_doc_is_read_by_catdoc(legacy_doc: bytes) -> None:
    document = extract(legacy_doc, DocumentFormat.DOC)
    assert document.status is TextStatus.READY
    assert document.text.split("\n\n") == [
        f"The first paragraph: {GREEK}.",
        f"The second one, {RUSSIAN}, with a\ttab.",
        f"The third: {FRENCH}.",
    ]


def test_a_legacy_doc_without_catdoc_is_unsupported(
    legacy_doc: bytes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # the child finds no catdoc anywhere
    document = extract(legacy_doc, DocumentFormat.DOC)
    assert document.status is TextStatus.UNSUPPORTED
    assert document.reason is not None and "catdoc is not installed" in document.reason


@pytest.mark.skipif(shutil.which("catdoc") is None, reason="catdoc is not installed")
def test_a_broken_legacy_doc_fails() -> None:
    document = extract(files.doc(), DocumentFormat.DOC)
    assert document.status is TextStatus.FAILED
    assert document.reason is not None and document.reason.startswith(
        "The .doc file could not be read"
    )


def test_plain_text_is_its_characters_cut_at_the_limit() -> None:
    text = f"{GREEK}\n\n{RUSSIAN}\n" * 1000
    whole = extract(text.encode(), DocumentFormat.TXT)
    assert whole == DocumentText.ready(text)
    cut = extract(text.encode(), DocumentFormat.TXT, TextLimits(max_chars=100))
    assert cut == DocumentText.ready(text[:100], truncated=True)


def _peak_rss() -> int:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def _reset_peak_rss() -> int:
    # Writing 5 to clear_refs resets the peak (Linux 4.0+): what follows is measured alone.
    with open(f"/proc/{os.getpid()}/clear_refs", "w") as clear:
        clear.write("5")
    return _peak_rss()
