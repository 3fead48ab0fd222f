"""Artifacts stored before texts existed get theirs on the first start of this version:
uploads are queued for extraction, a text artifact's inline content is its text."""

import sqlite3
import uuid
from pathlib import Path

import mongomock

from adapters.mongo import MongoDatabase
from adapters.sqlite import SqliteDatabase
from adapters.sqlite.schema import MIGRATIONS
from chatcore.artifacts.model import Artifact, ArtifactType, StoredUpload, upload_key
from chatcore.artifacts.texts import TextState, TextStatus
from chatcore.shared.ids import ArtifactId
from tests.builders import an_artifact, at, new_id

# The step that added texts (steps appended after it run too, as on any upgrade).
TEXTS_STEP = next(
    number
    for number, statements in enumerate(MIGRATIONS, start=1)
    if any("ADD COLUMN text_status" in statement for statement in statements)
)


def older_artifacts() -> dict[str, Artifact]:
    pdf_id, txt_id = ArtifactId(new_id()), ArtifactId(new_id())
    return {
        "pdf": an_artifact(
            new_id(),
            new_id(),
            id=pdf_id,
            type=ArtifactType.PDF,
            content=None,
            upload=StoredUpload(upload_key(pdf_id), "paper.pdf", "application/pdf"),
        ),
        "txt": an_artifact(
            new_id(),
            new_id(),
            id=txt_id,
            type=ArtifactType.TEXT,
            content=None,
            upload=StoredUpload(upload_key(txt_id), "notes.txt", "text/plain"),
        ),
        "inline": an_artifact(new_id(), new_id(), content="Ünïcode inline"),
        "zip": an_artifact(new_id(), new_id(), type=ArtifactType.ZIP, content=None),
    }


EXPECTED = {
    "pdf": TextState(),
    "txt": TextState(),
    "inline": TextState(TextStatus.READY, length=len("Ünïcode inline")),
    "zip": None,
}


def test_sqlite_older_rows_get_their_texts(tmp_path: Path) -> None:
    path = str(tmp_path / "older.sqlite3")
    artifacts = older_artifacts()
    # The schema as it was before texts, and rows written the way that version wrote them.
    with sqlite3.connect(path) as connection:
        for statements in MIGRATIONS[: TEXTS_STEP - 1]:
            for statement in statements:
                connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {TEXTS_STEP - 1}")
        for artifact in artifacts.values():
            upload = artifact.upload
            connection.execute(
                "INSERT INTO artifacts (id, session_id, owner_id, type, name, content,"
                " object_key, filename, content_type, status, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, 'old', ?, ?, ?, ?, 'ready', 0, 0)",
                (
                    artifact.id,
                    artifact.session_id,
                    artifact.owner_id,
                    artifact.type.value,
                    artifact.content,
                    None if upload is None else upload.object_key,
                    None if upload is None else upload.filename,
                    None if upload is None else upload.content_type,
                ),
            )
    database = SqliteDatabase(path)
    try:
        for name, artifact in artifacts.items():
            assert database.artifacts.get(artifact.id).text == EXPECTED[name], name
        claimed = {database.text_jobs.claim_next("w", at(0), at(30)).artifact.id for _ in range(2)}
        assert claimed == {artifacts["pdf"].id, artifacts["txt"].id}
    finally:
        database.close()


def test_mongo_older_documents_get_their_texts() -> None:
    client = mongomock.MongoClient()
    name = f"test_{uuid.uuid4().hex}"
    first = MongoDatabase(client, name)
    artifacts = older_artifacts()
    for artifact in artifacts.values():
        first.artifacts.add(artifact)
    # As that version stored them: no `text` field at all.
    client[name]["artifacts"].update_many({}, {"$unset": {"text": ""}})
    reopened = MongoDatabase(client, name)
    for key, artifact in artifacts.items():
        assert reopened.artifacts.get(artifact.id).text == EXPECTED[key], key
