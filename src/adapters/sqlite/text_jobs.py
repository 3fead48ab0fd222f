from datetime import datetime

from adapters.sqlite.artifacts import _fetch, _text_values, _to_artifact
from adapters.sqlite.connection import Connections
from adapters.sqlite.leases import Leases
from adapters.sqlite.timestamps import to_ms
from chatcore.artifacts.model import Artifact, TextClaim
from chatcore.artifacts.texts import TextState
from chatcore.shared.ids import ArtifactId

# The text's own status and lease columns, beside the ingestion's.
TEXTS = Leases(
    "text_status", "extracting", "text_lease_owner", "text_lease_expires_at", "text_attempts"
)


class SqliteTextJobs:
    """Claims on the texts of the artifacts table's rows (its text_* columns)."""

    def __init__(self, connections: Connections) -> None:
        self._connections = connections

    def claim_next(self, owner: str, at: datetime, until: datetime) -> TextClaim | None:
        claimed = TEXTS.claim_next(self._connections, owner, at, until)
        if claimed is None:
            return None
        row, attempt = claimed
        return TextClaim(_to_artifact(row), owner, until, attempt)

    def renew(self, artifact_id: ArtifactId, owner: str, until: datetime) -> bool:
        return TEXTS.renew(self._connections, artifact_id, owner, until)

    def release(self, artifact_id: ArtifactId, owner: str) -> bool:
        return TEXTS.release(self._connections, artifact_id, owner)

    def finish(
        self, artifact_id: ArtifactId, owner: str, text: TextState, at: datetime
    ) -> Artifact | None:
        with self._connections.transaction() as connection:
            finished = TEXTS.finish(
                connection,
                artifact_id,
                owner,
                "text_status = ?, text_length = ?, text_truncated = ?, text_error = ?,"
                " updated_at = ?",
                (*_text_values(text), to_ms(at)),
            )
            return _fetch(connection, artifact_id) if finished else None
