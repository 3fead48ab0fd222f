"""Download headers: always an attachment, never a page, with a harmless file name."""

import pytest

from entrypoints.http.downloads import attachment_headers, safe_filename


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\notes.txt", "notes.txt"),
        ('evil".html\r\nSet-Cookie: x=1', "evil_.html_Set-Cookie_ x_1"),
        ("résumé.docx", "resume.docx"),
        ("...", "download"),
        ("", "download"),
    ],
)
def test_file_names_are_reduced_to_safe_characters(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


def test_a_download_is_an_attachment_that_cannot_run() -> None:
    headers = attachment_headers("日本語 page.html")
    disposition = headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="page.html"')
    assert "filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E%20page.html" in disposition
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in headers["Content-Security-Policy"]
    assert all("\r" not in value and "\n" not in value for value in headers.values())
