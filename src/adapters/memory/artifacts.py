import threading
from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs

from adapters.memory.journal import Journal
from chatcore.artifacts.model import (
    Artifact,
    ArtifactFile,
    ArtifactStatus,
    ArtifactType,
    Claim,
    FilePage,
    Ingestion,
    claimable,
)
from chatcore.shared.ids import ArtifactId, SessionId
from chatcore.shared.paging import Position

_UNFINISHED = (ArtifactStatus.PENDING, ArtifactStatus.INGESTING)


@attrs.frozen
class _Lease:
    owner: str
    expires_at: datetime


class MemoryArtifactRepository:
    def __init__(self, journal: Journal | None = None) -> None:
        self._artifacts: dict[ArtifactId, Artifact] = {}
        self._leases: dict[ArtifactId, _Lease] = {}
        self._attempts: dict[ArtifactId, int] = {}
        self._lock = threading.Lock()
        self._journal = journal or Journal()

    def add(self, artifact: Artifact) -> None:
        with self._lock:
            self._journal.keep(self._artifacts, artifact.id, self._lock)
            self._artifacts[artifact.id] = attrs.evolve(artifact)

    def get(self, artifact_id: ArtifactId) -> Artifact | None:
        with self._lock:
            artifact = self._artifacts.get(artifact_id)
            return None if artifact is None else attrs.evolve(artifact)

    def list_for_session(self, session_id: SessionId) -> list[Artifact]:
        with self._lock:
            found = [
                attrs.evolve(artifact)
                for artifact in self._artifacts.values()
                if artifact.session_id == session_id and artifact.deleted_at is None
            ]
        return sorted(found, key=lambda artifact: artifact.id)

    def page_for_session(
        self, session_id: SessionId, limit: int, after: Position | None = None
    ) -> list[Artifact]:
        with self._lock:
            found = [
                attrs.evolve(artifact)
                for artifact in self._artifacts.values()
                if artifact.session_id == session_id
                and artifact.deleted_at is None
                and (after is None or Position(artifact.created_at, artifact.id) > after)
            ]
        found.sort(key=lambda artifact: (artifact.created_at, artifact.id))
        return found[:limit]

    def update(self, artifact: Artifact) -> bool:
        with self._lock:
            stored = self._live(artifact.id)
            if stored is None:
                return False
            self._journal.keep(self._artifacts, artifact.id, self._lock)
            stored.name = artifact.name
            stored.updated_at = artifact.updated_at
            return True

    def count_unfinished(self) -> dict[ArtifactStatus, int]:
        counts = dict.fromkeys(_UNFINISHED, 0)
        with self._lock:
            for artifact in self._artifacts.values():
                status = artifact.ingestion.status
                if artifact.deleted_at is None and status in counts:
                    counts[status] += 1
        return counts

    def add_unless_busy(self, artifact: Artifact, max_unfinished: int) -> bool:
        with self._lock:
            busy = sum(
                1
                for other in self._artifacts.values()
                if other.owner_id == artifact.owner_id
                and other.type is ArtifactType.REPOSITORY
                and other.deleted_at is None
                and other.ingestion.status in _UNFINISHED
            )
            if busy >= max_unfinished:
                return False
            self._journal.keep(self._artifacts, artifact.id, self._lock)
            self._artifacts[artifact.id] = attrs.evolve(artifact)
            return True

    def claim_next(self, owner: str, at: datetime, until: datetime) -> Claim | None:
        with self._lock:
            for artifact_id in sorted(self._artifacts):
                artifact = self._artifacts[artifact_id]
                lease = self._leases.get(artifact_id)
                expires = None if lease is None else lease.expires_at
                if artifact.deleted_at is None and claimable(
                    artifact.ingestion.status, expires, at
                ):
                    break
            else:
                return None
            self._keep_claim(artifact_id)
            artifact.ingestion = attrs.evolve(artifact.ingestion, status=ArtifactStatus.INGESTING)
            attempt = self._attempts.get(artifact_id, 0) + 1
            self._attempts[artifact_id] = attempt
            self._leases[artifact_id] = _Lease(owner, until)
            return Claim(attrs.evolve(artifact), owner, until, attempt)

    def renew_claim(self, artifact_id: ArtifactId, owner: str, until: datetime) -> bool:
        with self._lock:
            if not self._holds(artifact_id, owner):
                return False
            self._journal.keep(self._leases, artifact_id, self._lock)
            self._leases[artifact_id] = _Lease(owner, until)
            return True

    def release_claim(self, artifact_id: ArtifactId, owner: str) -> bool:
        with self._lock:
            if not self._holds(artifact_id, owner):
                return False
            self._keep_claim(artifact_id)
            del self._leases[artifact_id]
            self._attempts[artifact_id] -= 1
            artifact = self._artifacts[artifact_id]
            artifact.ingestion = attrs.evolve(artifact.ingestion, status=ArtifactStatus.PENDING)
            return True

    def finish_claim(
        self, artifact_id: ArtifactId, owner: str, ingestion: Ingestion, at: datetime
    ) -> Artifact | None:
        with self._lock:
            if not self._holds(artifact_id, owner):
                return None
            self._keep_claim(artifact_id)
            del self._leases[artifact_id]
            artifact = self._artifacts[artifact_id]
            artifact.ingestion = ingestion
            artifact.updated_at = at
            return attrs.evolve(artifact)

    def _keep_claim(self, artifact_id: ArtifactId) -> None:
        self._journal.keep(self._artifacts, artifact_id, self._lock)
        self._journal.keep(self._leases, artifact_id, self._lock)
        self._journal.keep(self._attempts, artifact_id, self._lock)

    def _holds(self, artifact_id: ArtifactId, owner: str) -> bool:
        artifact = self._artifacts.get(artifact_id)
        lease = self._leases.get(artifact_id)
        return (
            artifact is not None
            and artifact.ingestion.status is ArtifactStatus.INGESTING
            and lease is not None
            and lease.owner == owner
        )

    def mark_deleted(self, artifact_id: ArtifactId, at: datetime) -> bool:
        with self._lock:
            artifact = self._live(artifact_id)
            if artifact is None:
                return False
            self._journal.keep(self._artifacts, artifact_id, self._lock)
            artifact.deleted_at = at
            return True

    def disable_for_sessions(self, session_ids: Sequence[SessionId], at: datetime) -> int:
        wanted = set(session_ids)
        with self._lock:
            disabled = 0
            for artifact in self._artifacts.values():
                if artifact.session_id in wanted and artifact.deleted_at is None:
                    self._journal.keep(self._artifacts, artifact.id, self._lock)
                    artifact.deleted_at = at
                    disabled += 1
            return disabled

    def deleted_before(self, cutoff: datetime, limit: int) -> list[Artifact]:
        with self._lock:
            due = [
                attrs.evolve(artifact)
                for artifact in self._artifacts.values()
                if artifact.deleted_at is not None and artifact.deleted_at < cutoff
            ]
        due.sort(key=lambda artifact: (artifact.deleted_at, artifact.id))
        return due[:limit]

    def all_for_sessions(self, session_ids: Sequence[SessionId]) -> list[Artifact]:
        wanted = set(session_ids)
        with self._lock:
            found = [
                attrs.evolve(artifact)
                for artifact in self._artifacts.values()
                if artifact.session_id in wanted
            ]
        return sorted(found, key=lambda artifact: artifact.id)

    def remove(self, artifact_ids: Sequence[ArtifactId]) -> None:
        with self._lock:
            for artifact_id in artifact_ids:
                self._keep_claim(artifact_id)
                self._artifacts.pop(artifact_id, None)
                self._leases.pop(artifact_id, None)
                self._attempts.pop(artifact_id, None)

    def _live(self, artifact_id: ArtifactId) -> Artifact | None:
        artifact = self._artifacts.get(artifact_id)
        return artifact if artifact is not None and artifact.deleted_at is None else None


class MemoryArtifactFileRepository:
    def __init__(self, journal: Journal | None = None) -> None:
        # Each artifact's files by path; sorted on reading (paths are unique).
        self._files: dict[ArtifactId, dict[str, ArtifactFile]] = {}
        self._lock = threading.Lock()
        self._journal = journal or Journal()

    def add_many(self, artifact_id: ArtifactId, files: Iterable[ArtifactFile]) -> None:
        with self._lock:
            self._journal.keep(self._files, artifact_id, self._lock)
            index = self._files.setdefault(artifact_id, {})
            for file in files:
                index[file.path] = file

    def page(self, artifact_id: ArtifactId, limit: int, offset: int) -> FilePage:
        with self._lock:
            index = self._files.get(artifact_id, {})
            paths = sorted(index)
            return FilePage(
                files=[index[path] for path in paths[offset : offset + limit]], total=len(paths)
            )

    def get(self, artifact_id: ArtifactId, path: str) -> ArtifactFile | None:
        with self._lock:
            return self._files.get(artifact_id, {}).get(path)

    def remove_all(self, artifact_id: ArtifactId) -> None:
        with self._lock:
            self._journal.keep(self._files, artifact_id, self._lock)
            self._files.pop(artifact_id, None)
