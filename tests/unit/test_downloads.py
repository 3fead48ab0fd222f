"""Download headers: always an attachment, never a page, with a harmless file name."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entrypoints.http.downloads import attachment_headers, safe_filename


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\notes.txt", "notes.txt"),
        ('evil".html\r\nSet-Cookie: x=1', "evil_.html_Set-Cookie_ x_1"),
        ("résumé.docx", "resume.docx"),
        ("日本語.pdf", "download.pdf"),
        ("...", "download"),
        ("", "download"),
    ],
)
def test_file_names_are_reduced_to_safe_characters(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


def test_a_long_name_keeps_its_extension() -> None:
    long_name = "quarterly report " * 20 + ".pdf"
    disposition = attachment_headers(long_name)["Content-Disposition"]
    ascii_name = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert ascii_name.startswith("quarterly report") and ascii_name.endswith("quarterly.pdf")
    assert len(ascii_name) <= 150
    utf8_name = attachment_headers("é" + "x" * 300 + ".docx")["Content-Disposition"]
    assert utf8_name.endswith("x.docx")
    assert safe_filename("a" * 149 + ".tar.gz").endswith("a.gz")
    # What follows the last dot of a long name is not always an extension.
    assert safe_filename("v1." + "b" * 200) == ("v1." + "b" * 200)[:150]


def test_a_download_is_an_attachment_that_cannot_run() -> None:
    headers = attachment_headers("日本語 page.html")
    disposition = headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="page.html"')
    assert "filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E%20page.html" in disposition
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in headers["Content-Security-Policy"]


def test_a_plain_name_is_sent_once_as_the_spec_shows() -> None:
    headers = attachment_headers("document.pdf")
    assert headers["Content-Disposition"] == 'attachment; filename="document.pdf"'


def test_quotes_and_slashes_never_reach_the_header() -> None:
    disposition = attachment_headers('a"b\\c;d.pdf')["Content-Disposition"]
    assert disposition == "attachment; filename=\"c_d.pdf\"; filename*=UTF-8''c%3Bd.pdf"


@given(st.text(min_size=0, max_size=60))
def test_any_filename_makes_a_safe_header(filename: str) -> None:
    headers = attachment_headers(filename)
    for value in headers.values():
        value.encode("ascii")  # what HTTP headers may carry, with no room for tricks
        assert "\r" not in value and "\n" not in value
    disposition = headers["Content-Disposition"]
    quoted = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert quoted and all(c.isalnum() or c in "._ -" for c in quoted)
    assert len(quoted) <= 150
    assert disposition.count('"') == 2
