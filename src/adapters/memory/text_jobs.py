import threading
from datetime import datetime

import attrs

from adapters.memory.artifacts import MemoryArtifactRepository
from chatcore.artifacts.model import Artifact, TextClaim
from chatcore.artifacts.texts import TextState, TextStatus, text_claimable
from chatcore.shared.ids import ArtifactId


@attrs.frozen
class _Lease:
    owner: str
    expires_at: datetime


class MemoryTextJobs:
    """Claims on the texts of the artifacts a MemoryArtifactRepository holds.

    The memory database's artifacts are one dict: the claims change its entries under its
    lock, as the SQLite adapter changes rows of the one artifacts table.
    """

    def __init__(self, artifacts: MemoryArtifactRepository) -> None:
        self._artifacts = artifacts._artifacts
        self._lock: threading.Lock = artifacts._lock
        self._leases: dict[ArtifactId, _Lease] = {}
        self._attempts: dict[ArtifactId, int] = {}

    def claim_next(self, owner: str, at: datetime, until: datetime) -> TextClaim | None:
        with self._lock:
            for artifact_id in sorted(self._artifacts):
                artifact = self._artifacts[artifact_id]
                lease = self._leases.get(artifact_id)
                expires = None if lease is None else lease.expires_at
                if (
                    artifact.deleted_at is None
                    and artifact.text is not None
                    and text_claimable(artifact.text.status, expires, at)
                ):
                    break
            else:
                return None
            artifact.text = TextState(TextStatus.EXTRACTING)
            attempt = self._attempts.get(artifact_id, 0) + 1
            self._attempts[artifact_id] = attempt
            self._leases[artifact_id] = _Lease(owner, until)
            return TextClaim(attrs.evolve(artifact), owner, until, attempt)

    def renew(self, artifact_id: ArtifactId, owner: str, until: datetime) -> bool:
        with self._lock:
            if self._held(artifact_id, owner) is None:
                return False
            self._leases[artifact_id] = _Lease(owner, until)
            return True

    def release(self, artifact_id: ArtifactId, owner: str) -> bool:
        with self._lock:
            artifact = self._held(artifact_id, owner)
            if artifact is None:
                return False
            del self._leases[artifact_id]
            self._attempts[artifact_id] -= 1
            artifact.text = TextState(TextStatus.PENDING)
            return True

    def finish(
        self, artifact_id: ArtifactId, owner: str, text: TextState, at: datetime
    ) -> Artifact | None:
        with self._lock:
            artifact = self._held(artifact_id, owner)
            if artifact is None:
                return None
            del self._leases[artifact_id]
            artifact.text = text
            artifact.updated_at = at
            return attrs.evolve(artifact)

    def _held(self, artifact_id: ArtifactId, owner: str) -> Artifact | None:
        artifact = self._artifacts.get(artifact_id)
        lease = self._leases.get(artifact_id)
        if (
            artifact is None
            or artifact.text is None
            or artifact.text.status is not TextStatus.EXTRACTING
            or lease is None
            or lease.owner != owner
        ):
            return None
        return artifact
