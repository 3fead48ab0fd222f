import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime

from adapters.sqlite import purging
from adapters.sqlite.connection import Connections
from adapters.sqlite.leases import Leases
from adapters.sqlite.timestamps import from_ms, from_ms_or_none, to_ms, to_ms_or_none
from chatcore.artifacts.model import (
    Artifact,
    ArtifactFile,
    ArtifactStatus,
    ArtifactType,
    Claim,
    FilePage,
    Ingestion,
    StoredUpload,
)
from chatcore.artifacts.texts import TextState, TextStatus
from chatcore.shared.ids import ArtifactId, SessionId, UserId
from chatcore.shared.paging import Position

_COLUMNS = (
    "id, session_id, owner_id, type, name, source, content, size, object_key, filename,"
    " content_type, status, files_count, commit_id, error, created_at, updated_at, deleted_at,"
    " text_status, text_length, text_truncated, text_error"
)
_SELECT = f"SELECT {_COLUMNS} FROM artifacts"
# Repository ingestion's claims: the artifact's own status and lease columns.
INGESTION = Leases("status", "ingesting", "lease_owner", "lease_expires_at", "attempts")
# SQLite caps the variables of one statement (32,766 since 3.32); stay well below.
_IDS_PER_STATEMENT = 500


class SqliteArtifactRepository:
    def __init__(self, connections: Connections) -> None:
        self._connections = connections

    def add(self, artifact: Artifact) -> None:
        _insert(self._connections.get(), artifact)

    def count_unfinished(self) -> dict[ArtifactStatus, int]:
        counts = {ArtifactStatus.PENDING: 0, ArtifactStatus.INGESTING: 0}
        rows = self._connections.get().execute(
            "SELECT status, COUNT(*) FROM artifacts WHERE type = 'repository'"
            " AND status IN ('pending', 'ingesting') AND deleted_at IS NULL GROUP BY status"
        )
        for status, count in rows:
            counts[ArtifactStatus(status)] = count
        return counts

    def add_unless_busy(self, artifact: Artifact, max_unfinished: int) -> bool:
        # The IMMEDIATE transaction holds the write lock from the count on: no other
        # process can add between counting and inserting.
        with self._connections.transaction() as connection:
            busy: int = connection.execute(
                "SELECT COUNT(*) FROM artifacts WHERE owner_id = ? AND type = 'repository'"
                " AND status IN ('pending', 'ingesting') AND deleted_at IS NULL",
                (artifact.owner_id,),
            ).fetchone()[0]
            if busy >= max_unfinished:
                return False
            _insert(connection, artifact)
            return True

    def get(self, artifact_id: ArtifactId) -> Artifact | None:
        return _fetch(self._connections.get(), artifact_id)

    def list_for_session(self, session_id: SessionId) -> list[Artifact]:
        rows = (
            self._connections.get()
            .execute(
                f"{_SELECT} WHERE session_id = ? AND deleted_at IS NULL ORDER BY id",
                (session_id,),
            )
            .fetchall()
        )
        return [_to_artifact(row) for row in rows]

    def page_for_session(
        self, session_id: SessionId, limit: int, after: Position | None = None
    ) -> list[Artifact]:
        # Along artifacts_live_by_session_time.
        live = f"{_SELECT} WHERE session_id = ? AND deleted_at IS NULL"
        oldest_first = "ORDER BY created_at, id LIMIT ?"
        connection = self._connections.get()
        if after is None:
            rows = connection.execute(f"{live} {oldest_first}", (session_id, limit)).fetchall()
        else:
            rows = connection.execute(
                f"{live} AND (created_at, id) > (?, ?) {oldest_first}",
                (session_id, to_ms(after.at), after.id, limit),
            ).fetchall()
        return [_to_artifact(row) for row in rows]

    def update(self, artifact: Artifact) -> bool:
        cursor = self._connections.get().execute(
            "UPDATE artifacts SET name = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL",
            (artifact.name, to_ms(artifact.updated_at), artifact.id),
        )
        return cursor.rowcount == 1

    def claim_next(self, owner: str, at: datetime, until: datetime) -> Claim | None:
        claimed = INGESTION.claim_next(self._connections, owner, at, until)
        if claimed is None:
            return None
        row, attempt = claimed
        return Claim(_to_artifact(row), owner, until, attempt)

    def renew_claim(self, artifact_id: ArtifactId, owner: str, until: datetime) -> bool:
        return INGESTION.renew(self._connections, artifact_id, owner, until)

    def release_claim(self, artifact_id: ArtifactId, owner: str) -> bool:
        return INGESTION.release(self._connections, artifact_id, owner)

    def finish_claim(
        self, artifact_id: ArtifactId, owner: str, ingestion: Ingestion, at: datetime
    ) -> Artifact | None:
        with self._connections.transaction() as connection:
            finished = INGESTION.finish(
                connection,
                artifact_id,
                owner,
                "status = ?, files_count = ?, commit_id = ?, error = ?, updated_at = ?",
                (
                    ingestion.status.value,
                    ingestion.files_count,
                    ingestion.commit,
                    ingestion.error,
                    to_ms(at),
                ),
            )
            return _fetch(connection, artifact_id) if finished else None

    def mark_deleted(self, artifact_id: ArtifactId, at: datetime) -> bool:
        cursor = self._connections.get().execute(
            "UPDATE artifacts SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
            (to_ms(at), artifact_id),
        )
        return cursor.rowcount == 1

    def disable_for_sessions(self, session_ids: Sequence[SessionId], at: datetime) -> int:
        disabled = 0
        with self._connections.transaction() as connection:
            for start in range(0, len(session_ids), _IDS_PER_STATEMENT):
                batch = session_ids[start : start + _IDS_PER_STATEMENT]
                marks = ", ".join("?" * len(batch))
                cursor = connection.execute(
                    "UPDATE artifacts SET deleted_at = ?"
                    f" WHERE session_id IN ({marks}) AND deleted_at IS NULL",
                    (to_ms(at), *batch),
                )
                disabled += cursor.rowcount
        return disabled

    def deleted_before(self, cutoff: datetime, limit: int) -> list[Artifact]:
        rows = purging.deleted_before(self._connections, "artifacts", cutoff, limit)
        return [_to_artifact(row) for row in rows]

    def all_for_sessions(self, session_ids: Sequence[SessionId]) -> list[Artifact]:
        found: list[Artifact] = []
        connection = self._connections.get()
        for start in range(0, len(session_ids), _IDS_PER_STATEMENT):
            batch = session_ids[start : start + _IDS_PER_STATEMENT]
            marks = ", ".join("?" * len(batch))
            rows = connection.execute(
                f"{_SELECT} WHERE session_id IN ({marks}) ORDER BY id", tuple(batch)
            ).fetchall()
            found.extend(_to_artifact(row) for row in rows)
        return found

    def remove(self, artifact_ids: Sequence[ArtifactId]) -> None:
        purging.delete_where_in(self._connections, "artifacts", "id", artifact_ids)


class SqliteArtifactFileRepository:
    def __init__(self, connections: Connections) -> None:
        self._connections = connections

    def add_many(self, artifact_id: ArtifactId, files: Iterable[ArtifactFile]) -> None:
        with self._connections.transaction() as connection:
            connection.executemany(
                "INSERT INTO artifact_files (artifact_id, path, size, type) VALUES (?, ?, ?, ?)",
                ((artifact_id, file.path, file.size, file.type) for file in files),
            )

    def page(self, artifact_id: ArtifactId, limit: int, offset: int) -> FilePage:
        connection = self._connections.get()
        rows = connection.execute(
            "SELECT path, size, type FROM artifact_files WHERE artifact_id = ?"
            " ORDER BY path LIMIT ? OFFSET ?",
            (artifact_id, limit, offset),
        ).fetchall()
        total: int = connection.execute(
            "SELECT COUNT(*) FROM artifact_files WHERE artifact_id = ?", (artifact_id,)
        ).fetchone()[0]
        return FilePage(files=[_to_file(row) for row in rows], total=total)

    def get(self, artifact_id: ArtifactId, path: str) -> ArtifactFile | None:
        row = (
            self._connections.get()
            .execute(
                "SELECT path, size, type FROM artifact_files WHERE artifact_id = ? AND path = ?",
                (artifact_id, path),
            )
            .fetchone()
        )
        return None if row is None else _to_file(row)

    def remove_all(self, artifact_id: ArtifactId) -> None:
        self._connections.get().execute(
            "DELETE FROM artifact_files WHERE artifact_id = ?", (artifact_id,)
        )


def _insert(connection: sqlite3.Connection, artifact: Artifact) -> None:
    upload = artifact.upload
    ingestion = artifact.ingestion
    connection.execute(
        f"INSERT INTO artifacts ({_COLUMNS}) VALUES"
        " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            artifact.id,
            artifact.session_id,
            artifact.owner_id,
            artifact.type.value,
            artifact.name,
            artifact.source,
            artifact.content,
            artifact.size,
            None if upload is None else upload.object_key,
            None if upload is None else upload.filename,
            None if upload is None else upload.content_type,
            ingestion.status.value,
            ingestion.files_count,
            ingestion.commit,
            ingestion.error,
            to_ms(artifact.created_at),
            to_ms(artifact.updated_at),
            to_ms_or_none(artifact.deleted_at),
            *_text_values(artifact.text),
        ),
    )


def _text_values(text: TextState | None) -> tuple[object, ...]:
    """The text_status, text_length, text_truncated and text_error columns of a text."""
    if text is None:
        return (None, 0, 0, None)
    return (text.status.value, text.length, int(text.truncated), text.error)


def _fetch(connection: sqlite3.Connection, artifact_id: ArtifactId) -> Artifact | None:
    row = connection.execute(f"{_SELECT} WHERE id = ?", (artifact_id,)).fetchone()
    return None if row is None else _to_artifact(row)


def _to_artifact(row: sqlite3.Row) -> Artifact:
    upload = None
    if row["object_key"] is not None:
        upload = StoredUpload(row["object_key"], row["filename"], row["content_type"])
    return Artifact(
        id=ArtifactId(row["id"]),
        session_id=SessionId(row["session_id"]),
        owner_id=UserId(row["owner_id"]),
        type=ArtifactType(row["type"]),
        name=row["name"],
        source=row["source"],
        content=row["content"],
        size=row["size"],
        upload=upload,
        ingestion=Ingestion(
            status=ArtifactStatus(row["status"]),
            files_count=row["files_count"],
            commit=row["commit_id"],
            error=row["error"],
        ),
        text=None
        if row["text_status"] is None
        else TextState(
            status=TextStatus(row["text_status"]),
            length=row["text_length"],
            truncated=bool(row["text_truncated"]),
            error=row["text_error"],
        ),
        created_at=from_ms(row["created_at"]),
        updated_at=from_ms(row["updated_at"]),
        deleted_at=from_ms_or_none(row["deleted_at"]),
    )


def _to_file(row: sqlite3.Row) -> ArtifactFile:
    return ArtifactFile(path=row["path"], size=row["size"], type=row["type"])
