"""An archive's central directory is judged from its end record before zipfile reads it."""

import io
import tracemalloc
import zipfile

import pytest

from chatcore.artifacts.formats.archives import (
    MAX_ENTRIES,
    check_directory,
    open_archive,
    safe_members,
)
from chatcore.shared.errors import InvalidInput
from tests import files


def test_the_hand_written_archives_are_real_zips() -> None:
    for count in (3, 0x10000 + 5):  # a plain end record, and a ZIP64 one
        archive = zipfile.ZipFile(io.BytesIO(files.empty_entries_zip(count)))
        assert len(archive.infolist()) == count
        assert archive.read("f000002") == b""


def test_an_archive_within_the_limit_opens() -> None:
    archive = open_archive(io.BytesIO(files.empty_entries_zip(MAX_ENTRIES)))
    assert len(safe_members(archive)) == MAX_ENTRIES
    project, members = files.project_zip()
    assert {m.path for m in safe_members(open_archive(io.BytesIO(project)))} == set(members)


def test_too_many_entries_are_refused_from_the_end_record_alone() -> None:
    archive = files.empty_entries_zip(MAX_ENTRIES + 1)
    # Only the end record is left whole: the count is read there, not in the directory.
    end = archive[-22:]
    truncated = b"\0" * (len(archive) - 22) + end
    with pytest.raises(InvalidInput, match="more than 20000 entries"):
        check_directory(io.BytesIO(truncated))


def test_a_zip64_end_record_is_read() -> None:
    archive = files.empty_entries_zip(0x10000 + 5)
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInput, match="more than 20000 entries"):
            open_archive(io.BytesIO(archive))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # zipfile would have built 65,541 ZipInfo objects (tens of MiB); the count in the
    # ZIP64 record refuses the archive before a byte of the directory is read.
    assert peak < len(archive) // 2


def test_an_end_record_that_understates_the_count_is_caught_in_the_directory() -> None:
    with pytest.raises(InvalidInput, match="more than 20000 entries"):
        check_directory(io.BytesIO(files.empty_entries_zip(MAX_ENTRIES + 1, declared=10)))


def test_a_huge_central_directory_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(130):  # 130 comments of 64 KiB: an 8 MiB directory for 130 files
            info = zipfile.ZipInfo(f"f{n}")
            info.comment = b"c" * 0xFFFF
            archive.writestr(info, b"")
    with pytest.raises(InvalidInput, match="central directory is over 8 MiB"):
        open_archive(buffer)


def test_what_is_not_a_zip_is_left_to_zipfile() -> None:
    with pytest.raises(InvalidInput, match="Not a valid ZIP archive"):
        open_archive(io.BytesIO(b"PK\x05\x06 but nothing else"))
