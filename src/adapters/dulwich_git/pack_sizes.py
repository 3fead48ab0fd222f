"""The size of every object in a downloaded pack, read without inflating any into memory.

dulwich inflates each object whole when it indexes a pack, so a small pack can carry a
"git bomb": a blob of gigabytes of zeros compressed to a few kilobytes. This scan runs
before the indexing: it walks the pack stream object by object, reads each declared size
(a delta's from the first bytes of its instructions), refuses any above `max_object_bytes`
before inflating it, and inflates the rest in bounded slices that it throws away. It also
hands back the sizes by pack offset, so file sizes are known before any file is read.

Indexing costs time in proportion to the objects and the bytes they inflate to, and a
pack of small deltas can declare far more than it weighs (600 files of 5 MiB, each a
few bytes away from one base, in 47 KB). So the object count is checked from the header
before anything is read, and the sum of the declared sizes as the scan goes: a pack past
either cannot hold a repository within the limits, and is refused before indexing.
"""

import mmap
import zlib
from collections.abc import Callable
from typing import BinaryIO

from chatcore.shared.errors import RepositoryOverLimit, RepositoryUnavailable

OFS_DELTA = 6
REF_DELTA = 7
_VALID_TYPES = {1, 2, 3, 4, OFS_DELTA, REF_DELTA}  # commit, tree, blob, tag, two deltas
_SLICE = 64 * 1024  # compressed bytes fed to zlib at a time
_OUT_SLICE = 1024 * 1024  # most inflated bytes held at a time


class CorruptPack(RepositoryUnavailable):
    def __init__(self, reason: str) -> None:
        super().__init__(f"The repository sent a malformed pack: {reason}")


def object_sizes(
    pack: BinaryIO,
    max_object_bytes: int,
    hash_size: int = 20,
    check_time: Callable[[], None] = lambda: None,
    max_objects: int | None = None,
    max_total_bytes: int | None = None,
) -> dict[int, int]:
    """{pack offset: inflated size} for every object (a delta: the size of its result).

    RepositoryOverLimit when an object is over `max_object_bytes`, when the pack holds
    more than `max_objects`, or when its objects' sizes add up to more than
    `max_total_bytes`; CorruptPack when the stream is not a pack. `check_time` is called
    once per object (it raises at a deadline).
    """
    pack.flush()
    pack.seek(0, 2)
    if pack.tell() < 12:
        raise CorruptPack("it is shorter than a pack header")
    with mmap.mmap(pack.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if data[:4] != b"PACK" or int.from_bytes(data[4:8], "big") not in (2, 3):
            raise CorruptPack("it does not start with a version 2 or 3 pack header")
        count = int.from_bytes(data[8:12], "big")
        if max_objects is not None and count > max_objects:
            raise RepositoryOverLimit(
                f"The repository's pack holds {count:,} objects, more than the"
                f" {max_objects:,} a repository within the limits can need"
            )
        sizes: dict[int, int] = {}
        position = 12
        total = 0
        for _ in range(count):
            check_time()
            offset = position
            size, position = _object_size(data, position, max_object_bytes, hash_size)
            sizes[offset] = size
            total += size
            if max_total_bytes is not None and total > max_total_bytes:
                raise RepositoryOverLimit(
                    f"The repository's objects add up to more than {max_total_bytes:,}"
                    " bytes, beyond the size limits"
                )
        if len(data) - position != hash_size:
            raise CorruptPack("its length does not match its object count")
        return sizes


def _object_size(
    data: mmap.mmap, position: int, max_object_bytes: int, hash_size: int
) -> tuple[int, int]:
    """The inflated size of the object at `position`, and where the next object starts."""
    first, position = _byte(data, position)
    kind = (first >> 4) & 7
    if kind not in _VALID_TYPES:
        raise CorruptPack(f"unknown object type {kind}")
    declared = first & 0x0F
    shift = 4
    byte = first
    while byte & 0x80:
        byte, position = _byte(data, position)
        declared |= (byte & 0x7F) << shift
        shift += 7
    _check_size(declared, max_object_bytes)
    if kind == OFS_DELTA:
        byte = 0x80
        while byte & 0x80:
            byte, position = _byte(data, position)
    elif kind == REF_DELTA:
        position += hash_size
    return _inflate(data, position, declared, max_object_bytes, is_delta=kind >= OFS_DELTA)


def _inflate(
    data: mmap.mmap, position: int, declared: int, max_object_bytes: int, is_delta: bool
) -> tuple[int, int]:
    inflater = zlib.decompressobj()
    produced = 0
    head = b""  # a delta's first bytes: two varints, the base size then the result size
    size: int | None = None if is_delta else declared
    pending = data[position : position + _SLICE]
    position += len(pending)
    while True:
        try:
            out = inflater.decompress(pending, _OUT_SLICE)
        except zlib.error as error:
            raise CorruptPack(f"bad compressed data ({error})") from None
        produced += len(out)
        if produced > declared:
            raise CorruptPack("an object inflates past its declared size")
        if size is None:
            head += out[:20]
            size = _delta_result_size(head)
            if size is not None:
                _check_size(size, max_object_bytes)
        if inflater.eof:
            break
        pending = inflater.unconsumed_tail
        if not pending:
            pending = data[position : position + _SLICE]
            position += len(pending)
            if not pending:
                raise CorruptPack("it ends inside an object")
    if produced != declared or size is None:
        raise CorruptPack("an object inflates to less than its declared size")
    return size, position - len(inflater.unused_data)


def _delta_result_size(head: bytes) -> int | None:
    """The second varint of a delta's header, or None while `head` is too short."""
    values: list[int] = []
    value = shift = 0
    for byte in head:
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            values.append(value)
            if len(values) == 2:
                return values[1]
            value = shift = 0
    return None


def _check_size(size: int, max_object_bytes: int) -> None:
    if size > max_object_bytes:
        raise RepositoryOverLimit(
            f"The repository holds an object of {size:,} bytes,"
            f" over the limit of {max_object_bytes:,} bytes"
        )


def _byte(data: mmap.mmap, position: int) -> tuple[int, int]:
    if position >= len(data):
        raise CorruptPack("it ends inside an object header")
    return data[position], position + 1
