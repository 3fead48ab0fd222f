"""Artifacts: what a chat session is about (uploads, text, repositories) and their rules."""

import hashlib
import posixpath
from datetime import datetime
from enum import StrEnum

import attrs

from chatcore.accounts.model import User
from chatcore.artifacts.texts import DocumentFormat, TextState
from chatcore.shared.errors import InvalidInput, NotFound
from chatcore.shared.ids import ArtifactId, SessionId, UserId

NAME_MAX_LENGTH = 200
# A text artifact created through JSON carries its content inline, in the database.
TEXT_CONTENT_MAX_LENGTH = 1_000_000
PATH_MAX_LENGTH = 1024


class ArtifactType(StrEnum):
    REPOSITORY = "repository"
    ZIP = "zip"
    PDF = "pdf"
    DOC = "doc"
    TEXT = "text"


class ArtifactStatus(StrEnum):
    """Where ingestion stands: uploads are ready at once, repositories are fetched later.

    A pending repository is `ingesting` while a worker holds a claim on it (the API still
    says "pending": the claim is the workers' business, not the reader's).
    """

    PENDING = "pending"
    INGESTING = "ingesting"
    READY = "ready"
    FAILED = "failed"


@attrs.frozen
class Ingestion:
    """The outcome of ingesting an artifact's files (a file index, a commit, or an error)."""

    status: ArtifactStatus = ArtifactStatus.READY
    files_count: int | None = None
    commit: str | None = None
    error: str | None = None

    @classmethod
    def pending(cls) -> "Ingestion":
        """Waiting for a worker: nothing indexed yet."""
        return cls(ArtifactStatus.PENDING, files_count=0)

    @classmethod
    def ready(cls, files_count: int, commit: str | None = None) -> "Ingestion":
        """Indexed: `files_count` files (of `commit`, for a repository)."""
        return cls(ArtifactStatus.READY, files_count=files_count, commit=commit)

    @classmethod
    def failed(cls, reason: str) -> "Ingestion":
        """Given up, for a reason the owner can read; nothing of the attempt is kept."""
        return cls(ArtifactStatus.FAILED, files_count=0, error=reason)


@attrs.frozen
class StoredUpload:
    """The uploaded bytes of an artifact, as one object in object storage."""

    object_key: str
    filename: str
    content_type: str


@attrs.define
class Artifact:
    id: ArtifactId
    session_id: SessionId
    owner_id: UserId
    type: ArtifactType
    name: str
    created_at: datetime
    updated_at: datetime
    source: str | None = None
    content: str | None = None  # inline text, for text artifacts created through JSON
    size: int | None = None
    upload: StoredUpload | None = None
    ingestion: Ingestion = Ingestion()
    text: TextState | None = None  # None: no text of its own (archives, repositories)
    deleted_at: datetime | None = None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def has_file_index(self) -> bool:
        """Archives and repositories list their files; single documents do not."""
        return self.type in (ArtifactType.ZIP, ArtifactType.REPOSITORY)

    @property
    def document_format(self) -> DocumentFormat | None:
        """The format of the uploaded document its text is extracted from, if any."""
        if self.upload is None or self.type not in TEXT_TYPES:
            return None
        return DocumentFormat.of(self.upload.filename)

    def visible_to(self, user: User, session_id: SessionId) -> bool:
        """Only the owner sees a live artifact, and only under its own session."""
        return (
            self.deleted_at is None and self.owner_id == user.id and self.session_id == session_id
        )

    def rename(self, name: str, now: datetime) -> None:
        """Give the artifact a new name (1–200 characters, not blank), as of `now`."""
        self.name = check_name(name)
        self.updated_at = now


# The types that have a text of their own; an archive's or a repository's is per file.
TEXT_TYPES = (ArtifactType.PDF, ArtifactType.DOC, ArtifactType.TEXT)


def initial_text(type: ArtifactType, content: str | None) -> TextState | None:
    """A new artifact's text: inline content is its text at once; an uploaded document's
    is pending until a worker extracts it; archives and repositories have none."""
    if type not in TEXT_TYPES:
        return None
    if content is not None:
        return TextState.of_inline(content)
    return TextState()


@attrs.frozen
class Claim:
    """A worker's hold on one repository's ingestion, until `expires_at` unless renewed.

    `attempt` counts the claims ever made on the artifact, this one included: a job that
    keeps killing its workers is given up after a few.
    """

    artifact: Artifact
    owner: str
    expires_at: datetime
    attempt: int


@attrs.frozen
class TextClaim:
    """A worker's hold on one artifact's text extraction, until `expires_at` unless renewed.

    `attempt` counts the claims ever made on it, this one included: a document that keeps
    killing its workers is given up after a few.
    """

    artifact: Artifact
    owner: str
    expires_at: datetime
    attempt: int


def claimable(status: ArtifactStatus, lease_expires_at: datetime | None, now: datetime) -> bool:
    """Whether a worker may claim an artifact: pending, or held by a lease that has expired.

    An expired lease means its worker died or hung (a live worker renews well before the
    expiry), so the job is taken over rather than left pending for ever.
    """
    if status is ArtifactStatus.PENDING:
        return True
    return (
        status is ArtifactStatus.INGESTING
        and lease_expires_at is not None
        and lease_expires_at <= now
    )


@attrs.frozen
class ArtifactFile:
    """One entry of an artifact's file index; its bytes are an object of their own."""

    path: str
    size: int
    type: str = "file"


@attrs.frozen
class FilePage:
    files: list[ArtifactFile]
    total: int


def upload_key(artifact_id: ArtifactId) -> str:
    """The object-storage key of an artifact's uploaded bytes."""
    return f"artifacts/{artifact_id}/upload"


def file_key(artifact_id: ArtifactId, path: str) -> str:
    """The object-storage key of one indexed file of an artifact (archive or repository).

    Hashed, so that no path — however long or strange — shapes the key.
    """
    digest = hashlib.sha256(path.encode("utf-8")).hexdigest()
    return f"artifacts/{artifact_id}/files/{digest}"


def objects_folder(artifact_id: ArtifactId) -> str:
    """The key folder that holds every object of an artifact (its upload and its files)."""
    return f"artifacts/{artifact_id}"


def check_name(name: str) -> str:
    """Return a valid artifact name (1–200 characters, not blank)."""
    if not name.strip() or len(name) > NAME_MAX_LENGTH:
        raise InvalidInput(f"Name must be 1-{NAME_MAX_LENGTH} characters and not blank")
    return name


def check_text_content(content: str) -> str:
    """Return valid inline text content (up to 1,000,000 characters)."""
    if len(content) > TEXT_CONTENT_MAX_LENGTH:
        raise InvalidInput(f"Content must be at most {TEXT_CONTENT_MAX_LENGTH} characters")
    return content


def archive_member_path(name: str) -> str:
    """The index path of an archive member; InvalidInput for a path that could escape.

    Absolute paths, drive letters and `..` would let an archive write outside its
    artifact (the zip-slip attack) wherever its files are ever extracted.
    """
    candidate = name.replace("\\", "/")
    if "\x00" in candidate or candidate.startswith("/") or (candidate[1:2] == ":"):
        raise InvalidInput(f"Unsafe path in archive: {name!r}")
    parts = [part for part in candidate.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        raise InvalidInput(f"Unsafe path in archive: {name!r}")
    path = "/".join(parts)
    if len(path) > PATH_MAX_LENGTH:
        raise InvalidInput(f"Path too long in archive: {name[:80]!r}…")
    return path


def requested_file_path(raw: str) -> str:
    """The index path a request names; NotFound for one that tries to leave the artifact."""
    # normpath keeps a leading "//" (POSIX leaves its meaning to the system): strip them all.
    path = posixpath.normpath("/" + raw.replace("\\", "/")).lstrip("/")
    if "\x00" in raw or ".." in raw.replace("\\", "/").split("/") or not path:
        raise NotFound("File not found")
    return path
