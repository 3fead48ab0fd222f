from typing import Any

import attrs

from chatcore.artifacts import ArtifactStatus, ArtifactType, Ingestion, StoredUpload
from tests.builders import an_artifact, at, new_id


def test_added_artifacts_come_back_whole(database: Any) -> None:
    session, owner = new_id(), new_id()
    text = an_artifact(session, owner)
    upload = an_artifact(
        session,
        owner,
        type=ArtifactType.ZIP,
        name="archive.zip",
        source="archive.zip",
        content=None,
        size=2048,
        upload=StoredUpload("artifacts/x/upload", "archive.zip", "application/zip"),
        ingestion=Ingestion(files_count=3),
    )
    repository = an_artifact(
        session,
        owner,
        type=ArtifactType.REPOSITORY,
        source="https://github.com/user/repo",
        content=None,
        size=None,
        ingestion=Ingestion(ArtifactStatus.FAILED, files_count=0, commit="abc", error="gone"),
    )
    for artifact in (text, upload, repository):
        database.artifacts.add(artifact)
        assert database.artifacts.get(artifact.id) == artifact


def test_unknown_artifact_is_none(database: Any) -> None:
    assert database.artifacts.get(new_id()) is None


def test_lists_live_artifacts_of_one_session_oldest_first(database: Any) -> None:
    session, owner = new_id(), new_id()
    first, second, gone = (an_artifact(session, owner) for _ in range(3))
    elsewhere = an_artifact(new_id(), owner)
    for artifact in (first, second, gone, elsewhere):
        database.artifacts.add(artifact)
    database.artifacts.mark_deleted(gone.id, at(1))
    assert database.artifacts.list_for_session(session) == [first, second]


def test_rename_sets_name_and_updated_at_of_live_artifacts(database: Any) -> None:
    artifact = an_artifact(new_id(), new_id())
    database.artifacts.add(artifact)
    renamed = database.artifacts.rename(artifact.id, "New name", at(5))
    assert renamed == attrs.evolve(artifact, name="New name", updated_at=at(5))
    assert database.artifacts.get(artifact.id) == renamed
    database.artifacts.mark_deleted(artifact.id, at(6))
    assert database.artifacts.rename(artifact.id, "again", at(7)) is None


def test_record_ingestion(database: Any) -> None:
    artifact = an_artifact(
        new_id(),
        new_id(),
        type=ArtifactType.REPOSITORY,
        ingestion=Ingestion(ArtifactStatus.PENDING),
    )
    database.artifacts.add(artifact)
    ready = Ingestion(ArtifactStatus.READY, files_count=25, commit="0" * 40)
    updated = database.artifacts.record_ingestion(artifact.id, ready, at(3))
    assert updated == attrs.evolve(artifact, ingestion=ready, updated_at=at(3))
    assert database.artifacts.get(artifact.id) == updated


def test_mark_deleted_works_once(database: Any) -> None:
    artifact = an_artifact(new_id(), new_id())
    database.artifacts.add(artifact)
    assert database.artifacts.mark_deleted(artifact.id, at(1)) is True
    assert database.artifacts.mark_deleted(artifact.id, at(2)) is False
    assert database.artifacts.get(artifact.id).deleted_at == at(1)


def test_disabling_sessions_counts_only_their_live_artifacts(database: Any) -> None:
    owner = new_id()
    one, two, kept = new_id(), new_id(), new_id()
    live = [an_artifact(one, owner), an_artifact(one, owner), an_artifact(two, owner)]
    already_gone = an_artifact(one, owner)
    other = an_artifact(kept, owner)
    for artifact in (*live, already_gone, other):
        database.artifacts.add(artifact)
    database.artifacts.mark_deleted(already_gone.id, at(1))
    assert database.artifacts.disable_for_sessions([one, two], at(2)) == 3
    assert database.artifacts.disable_for_sessions([one, two], at(3)) == 0
    assert database.artifacts.disable_for_sessions([], at(3)) == 0
    assert all(database.artifacts.get(a.id).deleted_at == at(2) for a in live)
    assert database.artifacts.get(already_gone.id).deleted_at == at(1)
    assert database.artifacts.list_for_session(kept) == [other]


def test_disabling_many_sessions_at_once(database: Any) -> None:
    owner = new_id()
    sessions = [new_id() for _ in range(1200)]
    for session in sessions[::100]:
        database.artifacts.add(an_artifact(session, owner))
    assert database.artifacts.disable_for_sessions(sessions, at(1)) == 12
