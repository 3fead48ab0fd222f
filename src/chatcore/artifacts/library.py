"""Artifact use cases: what a user attaches to their chat sessions, and reading it back."""

import functools
from collections.abc import Iterator
from typing import BinaryIO

import attrs

from chatcore.accounts.model import User
from chatcore.artifacts.formats.file_types import decode_content, kind_of, safe_filename
from chatcore.artifacts.formats.zip_stream import ZipEntry, zip_stream
from chatcore.artifacts.model import (
    NAME_MAX_LENGTH,
    Artifact,
    ArtifactStatus,
    ArtifactType,
    FilePage,
    Ingestion,
    check_name,
    check_text_content,
    file_key,
    initial_text,
    requested_file_path,
)
from chatcore.artifacts.ports import ArtifactFileRepository, ArtifactRepository, ObjectStore
from chatcore.artifacts.stored_text import StoredTexts
from chatcore.artifacts.texts import TextStatus
from chatcore.artifacts.uploads import ByteSource, UploadWriter
from chatcore.chats.ports import SessionRepository
from chatcore.chats.sessions import owned_session
from chatcore.repositories.sources import RepositoryUrlPolicy
from chatcore.search.indexing import index_artifact
from chatcore.search.ports import SearchIndex
from chatcore.shared.errors import InvalidInput, NotFound, StorageFault, TooLarge, TooManyPending
from chatcore.shared.ids import ArtifactId, parse_artifact_id
from chatcore.shared.paging import Cursors, ListKind, Page, Position, page_forwards
from chatcore.shared.ports import Clock, IdGenerator
from chatcore.shared.unit_of_work import SeparateWrites, UnitOfWork

FILES_PAGE_MAX = 1000
TEXT_SLICE_DEFAULT = 100_000
TEXT_SLICE_MAX = 1_000_000
ARTIFACTS_PAGE_MAX = 1000
DOWNLOAD_CHUNK_BYTES = 64 * 1024
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
ZIP_CONTENT_TYPE = "application/zip"
# A small repository is ingested in seconds; a client told to wait longer would idle.
PENDING_RETRY_AFTER_SECONDS = 10
DEFAULT_REPOSITORY_PREFIXES = (
    "https://github.com/",
    "https://gitlab.com/",
    "https://bitbucket.org/",
)


@attrs.frozen
class ArtifactLimits:
    max_upload_bytes: int = 52_428_800
    # A file's content comes back inside JSON; bigger files are for /download.
    max_content_bytes: int = 10 * 1024 * 1024
    # Repositories one user may have pending or being ingested at once: the workers are
    # shared by every user, so one user must not fill their queue.
    max_pending_repositories: int = 5
    # Built once at start-up from CHATCORE_REPOSITORY_ALLOWED_URLS.
    repository_policy: RepositoryUrlPolicy = attrs.field(
        factory=lambda: RepositoryUrlPolicy.from_prefixes(DEFAULT_REPOSITORY_PREFIXES)
    )


@attrs.frozen
class FileContent:
    path: str
    size: int
    content: str
    encoding: str


@attrs.frozen
class TextSlice:
    """Part of an artifact's text: `text` from character `offset`, of `total` in all.
    Until the text is ready, `text` is empty and `status` says why."""

    artifact_id: ArtifactId
    status: TextStatus
    text: str
    offset: int
    total: int


@attrs.frozen
class Download:
    filename: str
    content_type: str
    size: int | None  # None when it is only known once streamed (a repository's ZIP)
    chunks: Iterator[bytes]


@attrs.define
class ArtifactLibrary:
    clock: Clock
    ids: IdGenerator
    sessions: SessionRepository
    artifacts: ArtifactRepository
    artifact_files: ArtifactFileRepository
    objects: ObjectStore
    # What search reads: a text artifact's content and an archive's text files.
    search: SearchIndex
    limits: ArtifactLimits = ArtifactLimits()
    # A text artifact and its entry in the search index are written together.
    unit_of_work: UnitOfWork = attrs.field(factory=SeparateWrites)

    def create(
        self,
        actor: User,
        session_id: str,
        type: ArtifactType,
        name: str | None = None,
        source: str | None = None,
        content: str | None = None,
    ) -> Artifact:
        """Create a text artifact, or a repository artifact pending ingestion."""
        session = owned_session(self.sessions, actor, session_id)
        ingestion = Ingestion()
        if type is ArtifactType.REPOSITORY:
            if source is None:
                raise InvalidInput("A repository artifact needs a source URL")
            if content is not None:
                raise InvalidInput("A repository artifact takes no content")
            # Checked now, before any network call; the worker checks it again when it runs.
            default_name = self.limits.repository_policy.approve(source).default_name
            # Fetching the repository is a job of its own; until it runs, the index is empty.
            ingestion = Ingestion.pending()
        elif type is ArtifactType.TEXT:
            content = check_text_content(content or "")
            default_name = "Untitled"
        else:
            raise InvalidInput(f"{type} artifacts are created by uploading a file")
        now = self.clock.now()
        artifact = Artifact(
            id=ArtifactId(self.ids.new_id()),
            session_id=session.id,
            owner_id=actor.id,
            type=type,
            name=check_name(name if name is not None else default_name[:NAME_MAX_LENGTH]),
            source=source,
            content=content,
            size=None if content is None else len(content.encode("utf-8")),
            ingestion=ingestion,
            text=initial_text(type, content),
            created_at=now,
            updated_at=now,
        )
        if type is not ArtifactType.REPOSITORY:
            with self.unit_of_work.atomic():
                self.artifacts.add(artifact)
                index_artifact(self.search, self.artifact_files, self.objects, artifact)
        elif not self.artifacts.add_unless_busy(artifact, self.limits.max_pending_repositories):
            raise TooManyPending(
                f"You already have {self.limits.max_pending_repositories} repositories"
                " waiting to be ingested; try again when one of them is done",
                retry_after=PENDING_RETRY_AFTER_SECONDS,
            )
        return artifact

    def upload(
        self, actor: User, session_id: str, filename: str | None, data: ByteSource, name: str | None
    ) -> Artifact:
        """Store an uploaded file as an artifact; an archive is indexed file by file."""
        session = owned_session(self.sessions, actor, session_id)
        filename = safe_filename(filename)
        kind = kind_of(filename)
        display_name = check_name(name) if name is not None else filename[:NAME_MAX_LENGTH]
        artifact_id = ArtifactId(self.ids.new_id())
        writer = UploadWriter(
            self.objects, self.artifact_files, artifact_id, self.limits.max_upload_bytes
        )
        try:
            stored = writer.store(filename, kind, data)
            now = self.clock.now()
            artifact = Artifact(
                id=artifact_id,
                session_id=session.id,
                owner_id=actor.id,
                type=kind.type,
                name=display_name,
                source=filename,
                size=stored.size,
                upload=stored.upload,
                ingestion=stored.ingestion,
                text=initial_text(kind.type, None),
                created_at=now,
                updated_at=now,
            )
            # Indexed before the artifact is added: search shows live artifacts only, so no
            # reader finds its files until it is whole.
            index_artifact(self.search, self.artifact_files, self.objects, artifact)
            # Added last: until then no reader can find a half-stored artifact.
            self.artifacts.add(artifact)
        except BaseException:
            self.search.remove_items([artifact_id])
            writer.discard()
            raise
        return artifact

    def in_session(self, actor: User, session_id: str) -> list[Artifact]:
        """The live artifacts of one of the actor's sessions, oldest first."""
        session = owned_session(self.sessions, actor, session_id)
        return self.artifacts.list_for_session(session.id)

    def page_in_session(
        self, actor: User, session_id: str, limit: int = 100, cursor: str | None = None
    ) -> Page[Artifact]:
        """A page of the live artifacts of one of the actor's sessions, oldest first."""
        session = owned_session(self.sessions, actor, session_id)
        if not 1 <= limit <= ARTIFACTS_PAGE_MAX:
            raise InvalidInput(f"limit must be between 1 and {ARTIFACTS_PAGE_MAX}")
        cursors = Cursors(ListKind.ARTIFACTS, session.id)
        after = None if cursor is None else cursors.decode(cursor)
        return page_forwards(
            lambda count: self.artifacts.page_for_session(session.id, count, after),
            limit,
            lambda artifact: Position(artifact.created_at, artifact.id),
            cursors,
        )

    def get(self, actor: User, session_id: str, artifact_id: str) -> Artifact:
        """One live artifact of the actor's session; NotFound for anyone else's."""
        session = owned_session(self.sessions, actor, session_id)
        artifact = self.artifacts.get(parse_artifact_id(artifact_id))
        if artifact is None or not artifact.visible_to(actor, session.id):
            raise NotFound("Artifact not found")
        return artifact

    def files(
        self, actor: User, session_id: str, artifact_id: str, limit: int = 50, offset: int = 0
    ) -> FilePage:
        """A page of the artifact's file index, sorted by path (empty for single files)."""
        artifact = self.get(actor, session_id, artifact_id)
        if not 1 <= limit <= FILES_PAGE_MAX:
            raise InvalidInput(f"limit must be between 1 and {FILES_PAGE_MAX}")
        if offset < 0:
            raise InvalidInput("offset must not be negative")
        if not artifact.has_file_index:
            return FilePage(files=[], total=0)
        return self.artifact_files.page(artifact.id, limit, offset)

    def file_content(
        self, actor: User, session_id: str, artifact_id: str, path: str
    ) -> FileContent:
        """One indexed file's content: UTF-8 text where it decodes, else base64."""
        artifact = self.get(actor, session_id, artifact_id)
        wanted = requested_file_path(path)
        entry = self.artifact_files.get(artifact.id, wanted)
        if entry is None or not artifact.has_file_index:
            raise NotFound("File not found")
        if entry.size > self.limits.max_content_bytes:
            raise TooLarge(
                f"File is over {self.limits.max_content_bytes} bytes: download the artifact"
            )
        with self._open(file_key(artifact.id, entry.path)) as stream:
            data = stream.read(self.limits.max_content_bytes + 1)
        text, encoding = decode_content(data)
        return FileContent(path=entry.path, size=len(data), content=text, encoding=encoding)

    def text(
        self,
        actor: User,
        session_id: str,
        artifact_id: str,
        offset: int = 0,
        limit: int = TEXT_SLICE_DEFAULT,
    ) -> TextSlice:
        """A slice of the artifact's text, by characters; NotFound for archives and
        repositories (their text is per file, under /files)."""
        artifact = self.get(actor, session_id, artifact_id)
        if not 1 <= limit <= TEXT_SLICE_MAX:
            raise InvalidInput(f"limit must be between 1 and {TEXT_SLICE_MAX:,}")
        if offset < 0:
            raise InvalidInput("offset must not be negative")
        state = artifact.text
        if state is None:
            raise NotFound("This artifact has no text of its own: read its files under /files")
        if artifact.content is not None:
            inline = artifact.content[offset : offset + limit]
            return TextSlice(artifact.id, TextStatus.READY, inline, offset, len(artifact.content))
        if state.status is not TextStatus.READY:
            return TextSlice(artifact.id, state.status.public, "", offset, 0)
        text = StoredTexts(self.objects).slice(artifact.id, state.length, offset, limit)
        return TextSlice(artifact.id, TextStatus.READY, text, offset, state.length)

    def download(self, actor: User, session_id: str, artifact_id: str) -> Download:
        """The artifact's bytes as a stream: the upload, a text artifact's content, or a
        repository's files as a ZIP."""
        artifact = self.get(actor, session_id, artifact_id)
        if artifact.type is ArtifactType.REPOSITORY:
            return self._repository_zip(artifact)
        if artifact.upload is not None:
            stream = self._open(artifact.upload.object_key)
            size = stream.seek(0, 2)
            stream.seek(0)
            return Download(
                filename=artifact.upload.filename,
                content_type=artifact.upload.content_type,
                size=size,
                chunks=_chunks(stream),
            )
        if artifact.type is ArtifactType.TEXT:
            data = (artifact.content or "").encode("utf-8")
            return Download(
                filename=f"{artifact.name}.txt",
                content_type=TEXT_CONTENT_TYPE,
                size=len(data),
                chunks=iter([data]),
            )
        raise NotFound("This artifact has no file to download yet")

    def rename(self, actor: User, session_id: str, artifact_id: str, name: str | None) -> Artifact:
        """Change an artifact's name (the only field an artifact update may set)."""
        artifact = self.get(actor, session_id, artifact_id)
        if name is None:
            raise InvalidInput("No fields to update")
        artifact.rename(name, self.clock.now())
        if not self.artifacts.update(artifact):
            raise NotFound("Artifact not found")  # deleted meanwhile
        return artifact

    def delete(self, actor: User, session_id: str, artifact_id: str) -> None:
        """Soft-delete an artifact: it answers 404 from now on (its bytes are kept)."""
        artifact = self.get(actor, session_id, artifact_id)
        if not self.artifacts.mark_deleted(artifact.id, self.clock.now()):
            raise NotFound("Artifact not found")

    def _repository_zip(self, artifact: Artifact) -> Download:
        status = artifact.ingestion.status
        if status is ArtifactStatus.FAILED:
            raise NotFound("The repository could not be ingested: nothing to download")
        if status is not ArtifactStatus.READY:
            raise NotFound("The repository is still being ingested: try again shortly")
        return Download(
            filename=f"{artifact.name}.zip",
            content_type=ZIP_CONTENT_TYPE,
            size=None,
            chunks=zip_stream(self._zip_entries(artifact), artifact.updated_at),
        )

    def _zip_entries(self, artifact: Artifact) -> Iterator[ZipEntry]:
        # Page by page, so that a repository of many files never has its index in memory.
        offset = 0
        while True:
            page = self.artifact_files.page(artifact.id, FILES_PAGE_MAX, offset)
            for file in page.files:
                key = file_key(artifact.id, file.path)
                yield ZipEntry(file.path, file.size, functools.partial(self._open, key))
            offset += len(page.files)
            if not page.files or offset >= page.total:
                return

    def _open(self, key: str) -> BinaryIO:
        stream = self.objects.open(key)
        if stream is None:
            raise StorageFault("File not found on storage")
        return stream


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := stream.read(DOWNLOAD_CHUNK_BYTES):
            yield chunk
    finally:
        stream.close()
