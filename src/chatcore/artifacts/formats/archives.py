"""ZIP archives: which are safe to index, and reading their members a chunk at a time.

An archive is judged by its central directory before a byte is extracted, and each
member is then held to what the directory declared while it streams.
"""

import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO

import attrs

from chatcore.artifacts.model import archive_member_path
from chatcore.shared.errors import InvalidInput

MAX_ENTRIES = 20_000
# What one archive may unpack to, all members together.
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# Below this, ratios say nothing: a page of spaces compresses 200-fold and harms no one.
RATIO_FLOOR_BYTES = 1024 * 1024
CHUNK_BYTES = 1024 * 1024
# Room for MAX_ENTRIES entries with paths of about 400 bytes each.
MAX_DIRECTORY_BYTES = 8 * 1024 * 1024

# The end of central directory record (APPNOTE 4.3.16), its ZIP64 locator (4.3.15) and
# the ZIP64 record (4.3.14), and a central directory header (4.3.12).
_EOCD = struct.Struct("<4s4H2LH")
_EOCD_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"
_ENTRY = struct.Struct("<4s6H3L5H2L")
_ENTRY_SIGNATURE = b"PK\x01\x02"
_MAX_COMMENT = 0xFFFF


@attrs.frozen
class Member:
    name: str  # as the archive spells it
    path: str  # as the file index records it
    size: int


def safe_members(archive: zipfile.ZipFile) -> list[Member]:
    """The files of `archive` to index; InvalidInput if any entry makes it unsafe."""
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise InvalidInput(f"Archive has more than {MAX_ENTRIES} entries")
    members: list[Member] = []
    seen: set[str] = set()
    unpacked = packed = 0
    for entry in entries:
        path = archive_member_path(entry.filename)
        if stat.S_ISLNK(entry.external_attr >> 16):
            raise InvalidInput(f"Archive contains a symbolic link: {path!r}")
        if entry.is_dir():
            continue
        if entry.flag_bits & 0x1:
            raise InvalidInput("Encrypted archives are not supported")
        if path in seen:
            raise InvalidInput(f"Archive contains {path!r} twice")
        seen.add(path)
        _check_ratio(entry.file_size, entry.compress_size, path)
        unpacked += entry.file_size
        packed += entry.compress_size
        members.append(Member(entry.filename, path, entry.file_size))
    if unpacked > MAX_UNCOMPRESSED_BYTES:
        raise InvalidInput(
            f"Archive unpacks to more than {MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MiB"
        )
    _check_ratio(unpacked, packed, "the archive")
    return members


def _check_ratio(unpacked: int, packed: int, what: str) -> None:
    # A zip bomb: a few kilobytes that inflate to gigabytes.
    if unpacked >= RATIO_FLOOR_BYTES and unpacked > MAX_COMPRESSION_RATIO * max(packed, 1):
        raise InvalidInput(f"Compression ratio of {what} is over {MAX_COMPRESSION_RATIO}")


def member_chunks(archive: zipfile.ZipFile, member: Member) -> Iterator[bytes]:
    """The member's bytes, a chunk at a time; InvalidInput if they are not as declared."""
    try:
        with archive.open(member.name) as stream:
            read = 0
            while chunk := stream.read(CHUNK_BYTES):
                read += len(chunk)
                if read > member.size:
                    raise InvalidInput(f"{member.path!r} is larger than the archive says")
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        # A CRC mismatch, a truncated stream, an unsupported compression method.
        raise InvalidInput(f"Corrupt archive member {member.path!r}: {error}") from None


def open_archive(stream: IO[bytes]) -> zipfile.ZipFile:
    """A ZIP archive over a seekable stream; InvalidInput if it is not one, or too big."""
    check_directory(stream)
    try:
        return zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError) as error:
        raise InvalidInput(f"Not a valid ZIP archive: {error}") from None


def has_members(archive: zipfile.ZipFile, names: tuple[str, ...]) -> bool:
    """True when every one of `names` is in the archive (a DOCX's required parts)."""
    present = set(archive.namelist())
    return all(name in present for name in names)


def check_directory(stream: IO[bytes]) -> None:
    """Refuse an archive whose central directory is too large, before zipfile reads it.

    zipfile builds an object per entry of the whole directory as it opens an archive: 45 MB
    of empty entries cost hundreds of MiB before the entry count could be judged. The end
    record states the count and the directory's size; the directory is then walked header
    by header (without keeping any) in case the end record understates the count.
    Anything malformed is left to zipfile, which refuses it.
    """
    end = stream.seek(0, 2)
    tail_start = max(0, end - _EOCD.size - _MAX_COMMENT)
    stream.seek(tail_start)
    tail = stream.read()
    at = _find_end_record(tail)
    if at is None:
        return
    _, _, _, _, entries, directory_size, _, _ = _EOCD.unpack_from(tail, at)
    directory_end = tail_start + at
    locator_at = at - _ZIP64_LOCATOR.size
    if locator_at >= 0:
        signature, *_ = _ZIP64_LOCATOR.unpack_from(tail, locator_at)
        if signature == _ZIP64_LOCATOR_SIGNATURE:
            # The ZIP64 record sits just before its locator, whatever its stated offset
            # says (data may have been prepended to the archive).
            directory_end = tail_start + locator_at - _ZIP64_EOCD.size
            if directory_end < 0:
                return
            stream.seek(directory_end)
            record = stream.read(_ZIP64_EOCD.size)
            if len(record) < _ZIP64_EOCD.size or not record.startswith(_ZIP64_EOCD_SIGNATURE):
                return
            entries, directory_size = _ZIP64_EOCD.unpack(record)[7:9]
    _check_directory_size(entries, directory_size)
    _count_entries(stream, directory_end - directory_size, directory_size)


def _find_end_record(tail: bytes) -> int | None:
    # The last signature whose comment runs exactly to the end of the file.
    at = tail.rfind(_EOCD_SIGNATURE)
    while at >= 0:
        if at + _EOCD.size <= len(tail):
            comment = _EOCD.unpack_from(tail, at)[7]
            if at + _EOCD.size + comment == len(tail):
                return at
        at = tail.rfind(_EOCD_SIGNATURE, 0, at)
    return None


def _check_directory_size(entries: int, directory_size: int) -> None:
    if entries > MAX_ENTRIES:
        raise InvalidInput(f"Archive has more than {MAX_ENTRIES} entries")
    if directory_size > MAX_DIRECTORY_BYTES:
        raise InvalidInput(
            f"Archive's central directory is over {MAX_DIRECTORY_BYTES // (1024 * 1024)} MiB"
        )


def _count_entries(stream: IO[bytes], start: int, size: int) -> None:
    if start < 0:
        return
    stream.seek(start)
    directory = stream.read(size)
    at = count = 0
    while at + _ENTRY.size <= len(directory):
        fields = _ENTRY.unpack_from(directory, at)
        if fields[0] != _ENTRY_SIGNATURE:
            return
        count += 1
        if count > MAX_ENTRIES:
            raise InvalidInput(f"Archive has more than {MAX_ENTRIES} entries")
        name_length, extra_length, comment_length = fields[10:13]
        at += _ENTRY.size + name_length + extra_length + comment_length
