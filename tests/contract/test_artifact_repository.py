import random
from typing import Any

import attrs

from chatcore.artifacts.model import Artifact, ArtifactStatus, ArtifactType, Ingestion, StoredUpload
from chatcore.shared.ids import ArtifactId
from chatcore.shared.paging import Position
from chatcore_embed.testing.walks import PAGE, WALKED, millisecond, shuffled_ids, visited_once, walk
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
    renamed = attrs.evolve(artifact, name="New name", updated_at=at(5))
    assert database.artifacts.update(renamed) is True
    assert database.artifacts.get(artifact.id) == renamed
    database.artifacts.mark_deleted(artifact.id, at(6))
    assert database.artifacts.update(attrs.evolve(renamed, name="again", updated_at=at(7))) is False
    assert database.artifacts.get(artifact.id).name == "New name"


def test_an_update_keeps_a_claim_taken_meanwhile(database: Any) -> None:
    artifact = an_artifact(
        new_id(), new_id(), type=ArtifactType.REPOSITORY, ingestion=Ingestion.pending()
    )
    database.artifacts.add(artifact)
    claim = database.artifacts.claim_next("worker", at(1), at(31))
    assert claim is not None and claim.artifact.id == artifact.id
    database.artifacts.update(attrs.evolve(artifact, name="Renamed", updated_at=at(2)))
    assert database.artifacts.renew_claim(artifact.id, "worker", at(40)) is True
    stored = database.artifacts.get(artifact.id)
    assert (stored.name, stored.ingestion.status) == ("Renamed", ArtifactStatus.INGESTING)


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


def _place(artifact: Artifact) -> Position:
    return Position(artifact.created_at, artifact.id)


def test_a_walk_through_the_pages_visits_each_artifact_once(database: Any) -> None:
    session, owner = new_id(), new_id()
    ids = shuffled_ids(WALKED, seed=455)
    existing = [
        an_artifact(session, owner, id=ArtifactId(ids[n]), created_at=millisecond(n // 3))
        for n in range(WALKED)
    ]
    for artifact in random.Random(45).sample(existing, WALKED):
        database.artifacts.add(artifact)
    database.artifacts.add(an_artifact(new_id(), owner, created_at=millisecond(7)))
    arrived: list[Artifact] = []

    def upload_another(pages_read: int) -> None:
        # Added while the client reads: newer than all, so at the end of the walk.
        if pages_read < 10:
            arrived.append(an_artifact(session, owner, created_at=millisecond(WALKED + pages_read)))
            database.artifacts.add(arrived[-1])

    pages = walk(
        lambda after: database.artifacts.page_for_session(session, PAGE, after),
        lambda found: _place(found[-1]),
        upload_another,
    )
    visited_once(pages, [*existing, *arrived], changed=set())
    walked = [artifact for found in pages for artifact in found]
    assert walked == sorted([*existing, *arrived], key=_place)


def test_artifacts_are_placed_by_creation_time_then_id(database: Any) -> None:
    session, owner = new_id(), new_id()
    first = an_artifact(session, owner, id=ArtifactId("f" * 24), created_at=at(1))
    tied = [an_artifact(session, owner, id=ArtifactId(c * 24), created_at=at(2)) for c in "ba"]
    for artifact in (*tied, first):
        database.artifacts.add(artifact)
    assert database.artifacts.page_for_session(session, 10) == [first, tied[1], tied[0]]
    assert database.artifacts.page_for_session(session, 10, _place(tied[1])) == [tied[0]]
