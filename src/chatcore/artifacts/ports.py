"""What artifacts need: their records, the file index, and object storage for bytes."""

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import BinaryIO, Protocol

from chatcore.artifacts.model import (
    Artifact,
    ArtifactFile,
    ArtifactStatus,
    Claim,
    FilePage,
    Ingestion,
    TextClaim,
)
from chatcore.artifacts.texts import DocumentFormat, DocumentText, TextLimits, TextState
from chatcore.shared.ids import ArtifactId, SessionId
from chatcore.shared.paging import Position


class ObjectStore(Protocol):
    """Named blobs of bytes (uploads, the files of archives and repositories)."""

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        """Store the chunks under `key`, replacing what was there; how many bytes.

        All or nothing: readers see the old object or the whole new one, never part of
        it, and if iterating `chunks` raises, nothing is stored and the error propagates.
        """
        ...

    def put_many(self, objects: Iterable[tuple[str, bytes]]) -> None:
        """Store many small objects, each as `put` would; several may be written at once.

        For the thousands of files of a repository: a store whose writes wait on the disk
        or the network overlaps them. If iterating `objects` (or a write) raises, the error
        propagates once every write begun has ended; what was stored by then stays.
        """
        ...

    def open(self, key: str) -> BinaryIO | None:
        """The object for reading (seekable, to be closed by the caller), or None."""
        ...

    def delete(self, key: str) -> None:
        """Forget the object; nothing happens if there is none."""
        ...

    def delete_under(self, folder: str) -> None:
        """Forget every object whose key starts with `folder` + "/"; none is no error.

        Also takes what no index names any more: objects of an interrupted write.
        """
        ...

    def ping(self) -> None:
        """Return when the storage can serve reads and writes; raise when it cannot.

        Cheap enough for a readiness probe every few seconds, and leaves no object behind.
        """
        ...


class ArtifactRepository(Protocol):
    def add(self, artifact: Artifact) -> None: ...

    def get(self, artifact_id: ArtifactId) -> Artifact | None:
        """The artifact with this id, deleted or not."""
        ...

    def list_for_session(self, session_id: SessionId) -> list[Artifact]:
        """The session's live artifacts, oldest first."""
        ...

    def page_for_session(
        self, session_id: SessionId, limit: int, after: Position | None = None
    ) -> list[Artifact]:
        """Up to `limit` live artifacts of the session whose (created_at, id) is above
        `after`, oldest first; read along an index."""
        ...

    def update(self, artifact: Artifact) -> bool:
        """Store the artifact's name and updated_at, if it is still live; False if not.

        Only what the artifact's own transitions change (`Artifact.rename`): ingestion,
        its claims and the deletion are written by the atomic verbs below, so an update
        never undoes a claim, an outcome or a delete that came in meanwhile.
        """
        ...

    def count_unfinished(self) -> dict[ArtifactStatus, int]:
        """Live repository artifacts waiting for ingestion or being ingested, by status."""
        ...

    # The verbs below stay storage's own: each is a compare-and-set that only the database
    # can make atomic across processes (docs/decisions.md, "Rules on the entities").

    def add_unless_busy(self, artifact: Artifact, max_unfinished: int) -> bool:
        """Add a repository `artifact` unless its owner already has `max_unfinished` live
        repositories pending or being ingested; False, and nothing stored, if they have.

        Atomic: concurrent adds for one owner (in any processes sharing the database)
        never leave more than `max_unfinished` of them unfinished.
        """
        ...

    def claim_next(self, owner: str, at: datetime, until: datetime) -> Claim | None:
        """Claim the oldest live artifact that is `claimable` at `at`, for `owner` until `until`.

        Atomic: the status becomes ingesting with this lease and the attempt count goes up
        by one in a single step, so two claimers (in any processes sharing the database)
        never both win the same artifact. None when nothing is claimable.
        """
        ...

    def renew_claim(self, artifact_id: ArtifactId, owner: str, until: datetime) -> bool:
        """Move the expiry of `owner`'s lease to `until`; False if `owner` holds it no more.

        Fenced: compared and set in one atomic step."""
        ...

    def release_claim(self, artifact_id: ArtifactId, owner: str) -> bool:
        """Give `owner`'s claim back unfinished: pending again, no lease, this attempt not
        counted; False, and nothing changed, if `owner` no longer holds it."""
        ...

    def finish_claim(
        self, artifact_id: ArtifactId, owner: str, ingestion: Ingestion, at: datetime
    ) -> Artifact | None:
        """Record the outcome of `owner`'s ingestion and drop the lease (deleted or not).

        Fenced: None, and nothing changed, if `owner` no longer holds the lease (it expired
        and another worker took the job over).
        """
        ...

    def mark_deleted(self, artifact_id: ArtifactId, at: datetime) -> bool:
        """Soft-delete a live artifact; False if it was not live (atomic: one caller wins)."""
        ...

    def disable_for_sessions(self, session_ids: Sequence[SessionId], at: datetime) -> int:
        """Soft-delete the live artifacts of these sessions; how many there were."""
        ...

    def deleted_before(self, cutoff: datetime, limit: int) -> list[Artifact]:
        """At most `limit` artifacts soft-deleted before `cutoff` (due for purging)."""
        ...

    def all_for_sessions(self, session_ids: Sequence[SessionId]) -> list[Artifact]:
        """Every artifact of these sessions, deleted or not."""
        ...

    def remove(self, artifact_ids: Sequence[ArtifactId]) -> None:
        """Forget these artifacts' records for good; ids already gone are no error."""
        ...


class ArtifactFileRepository(Protocol):
    """The file index of archives and repositories: path, size and type of each file."""

    def add_many(self, artifact_id: ArtifactId, files: Iterable[ArtifactFile]) -> None:
        """Index the files (paths unique within the artifact), written in batches."""
        ...

    def page(self, artifact_id: ArtifactId, limit: int, offset: int) -> FilePage:
        """`limit` files sorted by path from `offset`, and the total; never loads them all."""
        ...

    def get(self, artifact_id: ArtifactId, path: str) -> ArtifactFile | None: ...

    def remove_all(self, artifact_id: ArtifactId) -> None:
        """Forget the artifact's index (an ingestion that failed half-way)."""
        ...


class TextExtractor(Protocol):
    """Reads the words of a document (PDF, DOCX, legacy DOC, UTF-8 text)."""

    def extract(
        self,
        document: BinaryIO,
        format: DocumentFormat,
        limits: TextLimits,
        cancelled: Callable[[], bool],
    ) -> DocumentText:
        """The document's text in reading order: paragraphs apart by a blank line, the
        pages of a PDF by a form feed; cut at `limits.max_chars` (then `truncated`).

        A document that cannot be read is an outcome, not an error: `failed` with a
        readable reason (malformed, over the time or memory limit) or `unsupported`
        (encrypted, no text layer, no tool for the format here). Raises Cancelled soon
        after `cancelled()` answers True.
        """
        ...


class TextJobs(Protocol):
    """Claims on the texts waiting to be extracted (an artifact's `text.status`).

    The same fencing as repository ingestion's claims, on the text's own status: a claim
    is atomic across processes, renewed while the work goes on, and its outcome recorded
    only while the lease is still the claimer's.
    """

    def claim_next(self, owner: str, at: datetime, until: datetime) -> TextClaim | None:
        """Claim the oldest live artifact whose text is `text_claimable` at `at`, for `owner`
        until `until`: its text becomes extracting and its attempts go up by one, in one
        atomic step. None when nothing is claimable."""
        ...

    def renew(self, artifact_id: ArtifactId, owner: str, until: datetime) -> bool:
        """Move the expiry of `owner`'s lease to `until`; False if `owner` holds it no more."""
        ...

    def release(self, artifact_id: ArtifactId, owner: str) -> bool:
        """Give `owner`'s claim back unfinished: pending again, this attempt not counted;
        False, and nothing changed, if `owner` no longer holds it."""
        ...

    def finish(
        self, artifact_id: ArtifactId, owner: str, text: TextState, at: datetime
    ) -> Artifact | None:
        """Record the text's outcome and drop the lease (deleted or not); the artifact.

        Fenced: None, and nothing changed, if `owner` no longer holds the lease.
        """
        ...
