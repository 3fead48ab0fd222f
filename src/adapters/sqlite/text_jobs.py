from datetime import datetime

from adapters.sqlite.artifacts import _fetch, _text_values, _to_artifact
from adapters.sqlite.connection import Connections
from adapters.sqlite.timestamps import to_ms
from chatcore.artifacts.model import Artifact, TextClaim
from chatcore.artifacts.texts import TextState
from chatcore.shared.ids import ArtifactId

# The claim's own columns beside the text's: who holds it, until when, how many tries.
_HELD = "id = ? AND text_status = 'extracting' AND text_lease_owner = ?"


class SqliteTextJobs:
    """Claims on the texts of the artifacts table's rows (its text_* columns)."""

    def __init__(self, connections: Connections) -> None:
        self._connections = connections

    def claim_next(self, owner: str, at: datetime, until: datetime) -> TextClaim | None:
        # The IMMEDIATE transaction holds the write lock from the SELECT on: no other
        # process can claim the row between reading it and updating it.
        with self._connections.transaction() as connection:
            row = connection.execute(
                "SELECT id FROM artifacts"
                " WHERE text_status IN ('pending', 'extracting') AND deleted_at IS NULL"
                " AND (text_status = 'pending' OR text_lease_expires_at <= ?)"
                " ORDER BY id LIMIT 1",
                (to_ms(at),),
            ).fetchone()
            if row is None:
                return None
            connection.execute(
                "UPDATE artifacts SET text_status = 'extracting', text_lease_owner = ?,"
                " text_lease_expires_at = ?, text_attempts = text_attempts + 1 WHERE id = ?",
                (owner, to_ms(until), row["id"]),
            )
            claimed = connection.execute(
                "SELECT *, text_attempts FROM artifacts WHERE id = ?", (row["id"],)
            ).fetchone()
        return TextClaim(_to_artifact(claimed), owner, until, claimed["text_attempts"])

    def renew(self, artifact_id: ArtifactId, owner: str, until: datetime) -> bool:
        cursor = self._connections.get().execute(
            f"UPDATE artifacts SET text_lease_expires_at = ? WHERE {_HELD}",
            (to_ms(until), artifact_id, owner),
        )
        return cursor.rowcount == 1

    def release(self, artifact_id: ArtifactId, owner: str) -> bool:
        cursor = self._connections.get().execute(
            "UPDATE artifacts SET text_status = 'pending', text_lease_owner = NULL,"
            f" text_lease_expires_at = NULL, text_attempts = text_attempts - 1 WHERE {_HELD}",
            (artifact_id, owner),
        )
        return cursor.rowcount == 1

    def finish(
        self, artifact_id: ArtifactId, owner: str, text: TextState, at: datetime
    ) -> Artifact | None:
        with self._connections.transaction() as connection:
            cursor = connection.execute(
                "UPDATE artifacts SET text_status = ?, text_length = ?, text_truncated = ?,"
                " text_error = ?, updated_at = ?, text_lease_owner = NULL,"
                f" text_lease_expires_at = NULL WHERE {_HELD}",
                (*_text_values(text), to_ms(at), artifact_id, owner),
            )
            return _fetch(connection, artifact_id) if cursor.rowcount == 1 else None
