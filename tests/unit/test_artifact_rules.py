import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatcore.artifacts.formats.file_types import Utf8Check, check_signature, kind_of
from chatcore.artifacts.model import (
    ArtifactStatus,
    Ingestion,
    archive_member_path,
    requested_file_path,
)
from chatcore.shared.errors import InvalidInput, NotFound
from tests.builders import an_artifact, at, new_id


@given(st.text(min_size=1, max_size=60))
def test_an_accepted_member_path_never_leaves_the_archive(name: str) -> None:
    try:
        path = archive_member_path(name)
    except InvalidInput:
        return
    parts = path.split("/")
    assert ".." not in parts and "" not in parts and "." not in parts
    assert not path.startswith("/") and "\\" not in path and "\x00" not in path


@pytest.mark.parametrize(
    "name", ["../x", "a/../../x", "/etc/passwd", "\\windows\\x", "C:/x", "a\\..\\..\\x", "./"]
)
def test_escaping_member_paths_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput):
        archive_member_path(name)


def test_member_paths_are_normalized() -> None:
    assert archive_member_path("./src//main.py") == "src/main.py"
    assert archive_member_path("dir\\file.txt") == "dir/file.txt"


@given(st.text(max_size=60))
def test_a_requested_path_is_inside_or_not_found(raw: str) -> None:
    try:
        path = requested_file_path(raw)
    except NotFound:
        return
    assert ".." not in path.split("/") and not path.startswith("/") and path


def test_types_come_from_the_extension_and_must_match_the_bytes() -> None:
    assert kind_of("Report.PDF").type == "pdf"
    assert kind_of("a.b.docx").type == "doc"
    for bad in ("archive.tar.gz", "README", ".pdf.exe"):
        with pytest.raises(InvalidInput):
            kind_of(bad)
    check_signature(kind_of("x.doc"), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    with pytest.raises(InvalidInput):
        check_signature(kind_of("x.doc"), b"PK\x03\x04")


@given(st.text(max_size=200).filter(lambda t: "\x00" not in t), st.integers(1, 7))
def test_utf8_text_passes_however_it_is_chunked(text: str, size: int) -> None:
    data = text.encode("utf-8")
    check = Utf8Check()
    for start in range(0, len(data), size):
        check.feed(data[start : start + size])
    check.feed(b"", final=True)


def test_a_truncated_character_at_the_end_is_not_text() -> None:
    check = Utf8Check()
    check.feed("é".encode()[:1])
    with pytest.raises(InvalidInput):
        check.feed(b"", final=True)


def test_an_artifact_rename_sets_the_name_and_counts_as_an_update() -> None:
    artifact = an_artifact(new_id(), new_id())
    artifact.rename("Notes", at(5))
    assert (artifact.name, artifact.updated_at) == ("Notes", at(5))


@pytest.mark.parametrize("name", ["", "  ", "x" * 201])
def test_a_bad_artifact_name_is_refused_and_changes_nothing(name: str) -> None:
    artifact = an_artifact(new_id(), new_id())
    before = (artifact.name, artifact.updated_at)
    with pytest.raises(InvalidInput):
        artifact.rename(name, at(5))
    assert (artifact.name, artifact.updated_at) == before


def test_ingestion_outcomes() -> None:
    assert Ingestion.pending() == Ingestion(ArtifactStatus.PENDING, files_count=0)
    assert Ingestion.ready(3, commit="c" * 40) == Ingestion(
        ArtifactStatus.READY, files_count=3, commit="c" * 40
    )
    # A failure keeps no file of the attempt: the index is empty, the reason readable.
    assert Ingestion.failed("gone") == Ingestion(ArtifactStatus.FAILED, files_count=0, error="gone")
