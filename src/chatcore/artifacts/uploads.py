"""Storing an upload: checked while it streams, archives indexed, nothing kept on failure."""

import contextlib
from collections.abc import Iterator
from typing import BinaryIO, Protocol

import attrs

from chatcore.artifacts.formats.archives import (
    CHUNK_BYTES,
    has_members,
    member_chunks,
    open_archive,
    safe_members,
)
from chatcore.artifacts.formats.file_types import (
    DOCX_REQUIRED_MEMBERS,
    HEAD_BYTES,
    FileKind,
    Utf8Check,
    check_signature,
)
from chatcore.artifacts.model import (
    ArtifactFile,
    ArtifactType,
    Ingestion,
    StoredUpload,
    file_key,
    upload_key,
)
from chatcore.artifacts.ports import ArtifactFileRepository, ObjectStore
from chatcore.shared.errors import InvalidInput, StorageFault, TooLarge
from chatcore.shared.ids import ArtifactId

# Index rows are written this many at a time: 20,000 files make 20 round trips, not 20,000.
INDEX_BATCH = 1000


class ByteSource(Protocol):
    """Where an upload's bytes come from (a spooled request body, a file)."""

    def read(self, size: int = -1, /) -> bytes: ...


@attrs.frozen
class StoredBytes:
    upload: StoredUpload
    size: int
    ingestion: Ingestion


@attrs.define
class UploadWriter:
    """Writes one upload (and, for an archive, each member) to object storage.

    Every key it writes is remembered, so that `discard` leaves nothing behind.
    """

    objects: ObjectStore
    artifact_files: ArtifactFileRepository
    artifact_id: ArtifactId
    max_bytes: int
    written: list[str] = attrs.field(factory=list)
    indexed: bool = False

    def store(self, filename: str, kind: FileKind, source: ByteSource) -> StoredBytes:
        """Store the upload; InvalidInput or TooLarge (nothing kept) if it is refused."""
        head = source.read(HEAD_BYTES)
        if not head:
            raise InvalidInput("The uploaded file is empty")
        check_signature(kind, head)
        key = upload_key(self.artifact_id)
        self.written.append(key)
        size = self.objects.put(key, self._checked(kind, head, source))
        ingestion = Ingestion()
        if kind.extension == ".docx":
            self._check_docx(key)
        elif kind.type is ArtifactType.ZIP:
            ingestion = Ingestion.ready(self._index_archive(key))
        return StoredBytes(StoredUpload(key, filename, kind.content_type), size, ingestion)

    def discard(self) -> None:
        """Delete whatever this writer stored: a refused upload leaves no trace."""
        if self.indexed:
            self.artifact_files.remove_all(self.artifact_id)
        for key in reversed(self.written):
            self.objects.delete(key)
        self.written.clear()

    def _checked(self, kind: FileKind, head: bytes, source: ByteSource) -> Iterator[bytes]:
        # Checked as it streams: the size cap holds even if the edge let more through,
        # and text is judged in full without ever holding it all.
        text = Utf8Check() if kind.type is ArtifactType.TEXT else None
        total = 0
        chunk = head
        while chunk:
            total += len(chunk)
            if total > self.max_bytes:
                raise TooLarge(f"File too large: the limit is {self.max_bytes} bytes")
            if text is not None:
                text.feed(chunk)
            yield chunk
            chunk = source.read(CHUNK_BYTES)
        if text is not None:
            text.feed(b"", final=True)

    def _check_docx(self, key: str) -> None:
        with self._opened(key) as stream, open_archive(stream) as archive:
            if not has_members(archive, DOCX_REQUIRED_MEMBERS):
                raise InvalidInput("File content does not match its .docx extension")

    def _index_archive(self, key: str) -> int:
        with self._opened(key) as stream, open_archive(stream) as archive:
            members = safe_members(archive)
            files = []
            for member in members:
                member_key = file_key(self.artifact_id, member.path)
                self.written.append(member_key)
                size = self.objects.put(member_key, member_chunks(archive, member))
                files.append(ArtifactFile(path=member.path, size=size))
        self.indexed = True
        for start in range(0, len(files), INDEX_BATCH):
            self.artifact_files.add_many(self.artifact_id, files[start : start + INDEX_BATCH])
        return len(files)

    @contextlib.contextmanager
    def _opened(self, key: str) -> Iterator[BinaryIO]:
        stream = self.objects.open(key)
        if stream is None:
            raise StorageFault("Uploaded file vanished from storage")
        with stream:
            yield stream
