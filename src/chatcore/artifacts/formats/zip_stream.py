"""A ZIP archive written as it is read: chunks come out while the files go in.

zipfile writes to a sink that is not seekable, so it puts each entry's sizes and CRC in a
data descriptor after the entry instead of going back to patch its header; the archive
therefore never exists whole in memory, only the entry being compressed.
"""

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, BinaryIO

import attrs

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

CHUNK_BYTES = 64 * 1024


@attrs.frozen
class ZipEntry:
    path: str
    size: int
    open: Callable[[], BinaryIO]


class _Sink(io.RawIOBase):
    """Keeps what zipfile writes until it is drained; refuses to seek or tell."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self.pending = 0

    def writable(self) -> bool:
        return True

    def write(self, data: "ReadableBuffer") -> int:
        part = bytes(data)
        self._parts.append(part)
        self.pending += len(part)
        return len(part)

    def drain(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        self.pending = 0
        return data


def zip_stream(entries: Iterable[ZipEntry], modified: datetime) -> Iterator[bytes]:
    """The ZIP of `entries` (deflated, dated `modified`), in chunks of about 64 KiB."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            info = zipfile.ZipInfo(entry.path, date_time=modified.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            # Known up front, so zipfile picks ZIP64 for the entry only when it needs it.
            info.file_size = entry.size
            with entry.open() as source, archive.open(info, "w") as target:
                while chunk := source.read(CHUNK_BYTES):
                    target.write(chunk)
                    if sink.pending >= CHUNK_BYTES:
                        yield sink.drain()
            if sink.pending >= CHUNK_BYTES:
                yield sink.drain()
    yield sink.drain()
