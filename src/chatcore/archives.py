"""ZIP archives: which are safe to index, and reading their members a chunk at a time.

An archive is judged by its central directory before a byte is extracted, and each
member is then held to what the directory declared while it streams.
"""

import stat
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO

import attrs

from chatcore.artifacts import archive_member_path
from chatcore.errors import InvalidInput

MAX_ENTRIES = 20_000
# What one archive may unpack to, all members together.
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# Below this, ratios say nothing: a page of spaces compresses 200-fold and harms no one.
RATIO_FLOOR_BYTES = 1024 * 1024
CHUNK_BYTES = 1024 * 1024


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
    """A ZIP archive over a seekable stream; InvalidInput if it is not one."""
    try:
        return zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError) as error:
        raise InvalidInput(f"Not a valid ZIP archive: {error}") from None


def has_members(archive: zipfile.ZipFile, names: tuple[str, ...]) -> bool:
    """True when every one of `names` is in the archive (a DOCX's required parts)."""
    present = set(archive.namelist())
    return all(name in present for name in names)
