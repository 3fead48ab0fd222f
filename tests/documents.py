"""Documents made by real tools, for the text extraction tests: fpdf2 (with a DejaVu font
from Debian's fonts-dejavu-core, for Greek and Cyrillic), python-docx, LibreOffice for a
legacy .doc, pypdf to encrypt; and hostile PDFs written by hand."""

import io
import os
import shutil
import subprocess
import zlib
from pathlib import Path

from tests import files

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SOFFICE = shutil.which("soffice")
# Every page's words, so that a test can find them in the extracted text in order.
GREEK = "Ελληνικά γράμματα"
RUSSIAN = "Русский текст"
FRENCH = "Crème brûlée à la française, naïve café"


def page_paragraphs(number: int, scale: int = 1) -> list[str]:
    """Two paragraphs of page `number`: long enough to wrap over several lines (`scale`
    times longer: 4 fills a page about as a book does)."""
    return [
        f"Page {number} opens: {GREEK}, {RUSSIAN}. " + "First paragraph words. " * 12 * scale,
        f"Page {number} second paragraph: {FRENCH}. " + "Second paragraph words. " * 10 * scale,
    ]


def pdf_document(pages: int, scale: int = 1) -> bytes:
    """A PDF of `pages` pages of two paragraphs each, a blank line between them."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    for number in range(1, pages + 1):
        pdf.add_page()
        first, second = page_paragraphs(number, scale)
        pdf.multi_cell(0, 6, first)
        pdf.ln(8)
        pdf.multi_cell(0, 6, second)
    return bytes(pdf.output())


def image_only_pdf() -> bytes:
    """A 'scan': one page with a picture and no text at all."""
    from fpdf import FPDF
    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(picture, format="PNG")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(picture, x=10, y=10, w=100)
    return bytes(pdf.output())


def encrypted_pdf(user_password: str = "secret") -> bytes:
    """A PDF that opens only with a password (RC4, which pypdf writes on its own)."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf_document(1)))
    writer = pypdf.PdfWriter(clone_from=reader)
    writer.encrypt(user_password, "owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def raw_pdf(content: bytes, filters: list[str], extra_objects: tuple[bytes, ...] = ()) -> bytes:
    """A one-page PDF whose content stream is `content` (already encoded by `filters`)."""
    names = " ".join(f"/{name}" for name in filters)
    stream = (
        b"<< /Length %d /Filter [%s] >>\nstream\n" % (len(content), names.encode())
        + content
        + b"\nendstream"
    )
    return files.pdf_of(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            stream,
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            *extra_objects,
        ]
    )


def deflate_bomb_pdf(gibibytes: int = 2) -> bytes:
    """A page whose content stream inflates to `gibibytes` GiB of spaces: deflated twice,
    a few kilobytes.

    Deflating gigabytes takes half a minute; after a full flush a deflater starts afresh,
    so one flushed block of 64 MiB, repeated, is the deflated stream of many.
    """
    block = b" " * (64 * 1024 * 1024)
    deflater = zlib.compressobj(9)
    head = deflater.compress(block) + deflater.flush(zlib.Z_FULL_FLUSH)
    unit = deflater.compress(block) + deflater.flush(zlib.Z_FULL_FLUSH)
    copies = gibibytes * 16
    checksum = 1
    for _ in range(copies):
        checksum = zlib.adler32(block, checksum)
    # The last block: empty and final (fixed Huffman codes), then the Adler-32 of it all.
    inner = head + unit * (copies - 1) + b"\x03\x00" + checksum.to_bytes(4, "big")
    return raw_pdf(zlib.compress(inner, 9), ["FlateDecode", "FlateDecode"])


def large_pdf(megabytes: int) -> bytes:
    """About `megabytes` MiB of PDF: one page of words, and an image of random bytes (the
    size a real document gets from its pictures)."""
    noise = os.urandom(megabytes * 1024 * 1024)
    side = int((len(noise) / 3) ** 0.5)
    picture = (
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB"
        b" /BitsPerComponent 8 /Length %d >>\nstream\n"
        % (side, side, side * side * 3)
        + noise[: side * side * 3]
        + b"\nendstream"
    )
    words = b"BT /F1 12 Tf 72 720 Td (Words beside a large picture) Tj ET"
    return raw_pdf(zlib.compress(words), ["FlateDecode"], (picture,))


def docx_document(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    """A DOCX written by python-docx: the paragraphs, then an optional table."""
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, cells in zip(grid.rows, table, strict=True):
            for cell, text in zip(row.cells, cells, strict=True):
                cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def doc_document(paragraphs: list[str], folder: Path) -> bytes:
    """A legacy Word 97 .doc, converted by LibreOffice from a DOCX of the paragraphs."""
    assert SOFFICE is not None
    source = folder / "source.docx"
    source.write_bytes(docx_document(paragraphs))
    subprocess.run(
        [
            SOFFICE,
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{folder / 'profile'}",
            "--convert-to",
            "doc",
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return (folder / "source.doc").read_bytes()
