"""Claims on repository ingestion, against every database adapter: atomic, leased, fenced."""

import threading
from pathlib import Path
from typing import Any

import pytest

from chatcore.artifacts.model import Artifact, ArtifactStatus, ArtifactType, Ingestion
from tests.builders import an_artifact, at, new_id
from tests.contract.conftest import open_database, race_for_jobs


def pending(database: Any) -> Artifact:
    artifact = an_artifact(
        new_id(),
        new_id(),
        type=ArtifactType.REPOSITORY,
        source="https://github.com/user/repo",
        content=None,
        size=None,
        ingestion=Ingestion(ArtifactStatus.PENDING, files_count=0),
    )
    database.artifacts.add(artifact)
    return artifact


def test_two_claimers_one_wins(database: Any) -> None:
    artifact = pending(database)
    first = database.artifacts.claim_next("a", at(0), at(30))
    second = database.artifacts.claim_next("b", at(0), at(30))
    assert first is not None and second is None
    assert (first.artifact.id, first.owner, first.expires_at, first.attempt) == (
        artifact.id, "a", at(30), 1,
    )  # fmt: skip
    assert first.artifact.ingestion.status is ArtifactStatus.INGESTING
    assert database.artifacts.get(artifact.id).ingestion.status is ArtifactStatus.INGESTING


def test_oldest_first_and_only_unfinished_live_ones(database: Any) -> None:
    older, newer = pending(database), pending(database)
    gone = pending(database)
    database.artifacts.mark_deleted(gone.id, at(0))
    database.artifacts.add(an_artifact(new_id(), new_id()))  # a text artifact: ready
    claimed = [database.artifacts.claim_next("w", at(0), at(30)) for _ in range(3)]
    assert [c.artifact.id for c in claimed[:2]] == [older.id, newer.id]
    assert claimed[2] is None


def test_an_expired_lease_is_taken_over_and_fences_the_old_owner(database: Any) -> None:
    artifact = pending(database)
    database.artifacts.claim_next("a", at(0), at(30))
    assert database.artifacts.claim_next("b", at(29), at(59)) is None
    taken = database.artifacts.claim_next("b", at(30), at(60))
    assert taken is not None and (taken.owner, taken.attempt) == ("b", 2)
    ready = Ingestion(ArtifactStatus.READY, files_count=2, commit="c" * 40)
    assert database.artifacts.renew_claim(artifact.id, "a", at(90)) is False
    assert database.artifacts.finish_claim(artifact.id, "a", ready, at(31)) is None
    assert database.artifacts.get(artifact.id).ingestion.status is ArtifactStatus.INGESTING
    finished = database.artifacts.finish_claim(artifact.id, "b", ready, at(32))
    assert finished.ingestion == ready and finished.updated_at == at(32)
    assert database.artifacts.get(artifact.id) == finished
    # Done is done: never claimed again, never finished twice.
    assert database.artifacts.claim_next("c", at(1000), at(1030)) is None
    assert database.artifacts.finish_claim(artifact.id, "b", ready, at(33)) is None


def test_renewing_keeps_the_job(database: Any) -> None:
    artifact = pending(database)
    database.artifacts.claim_next("a", at(0), at(30))
    assert database.artifacts.renew_claim(artifact.id, "a", at(60)) is True
    assert database.artifacts.claim_next("b", at(45), at(75)) is None
    assert database.artifacts.claim_next("b", at(60), at(90)).owner == "b"


def test_a_job_deleted_while_ingesting_is_still_finished(database: Any) -> None:
    artifact = pending(database)
    database.artifacts.claim_next("a", at(0), at(30))
    database.artifacts.mark_deleted(artifact.id, at(1))
    failed = Ingestion(ArtifactStatus.FAILED, files_count=0, error="gone")
    assert database.artifacts.finish_claim(artifact.id, "a", failed, at(2)).deleted


def test_racing_claimers_over_one_file_each_job_once(tmp_path: Path) -> None:
    # Separate adapters over one file: as separate server processes share it.
    def claim(database: Any, owner: str) -> Any:
        return database.artifacts.claim_next(owner, at(0), at(30))

    jobs, won = race_for_jobs(tmp_path, pending, claim)
    assert won == jobs


def a_repository(owner: str, status: ArtifactStatus = ArtifactStatus.PENDING) -> Artifact:
    return an_artifact(
        new_id(),
        owner,
        type=ArtifactType.REPOSITORY,
        source="https://github.com/user/repo",
        content=None,
        size=None,
        ingestion=Ingestion(status, files_count=0),
    )


def test_a_repository_is_added_while_its_owner_has_fewer_unfinished(database: Any) -> None:
    owner = new_id()
    first, second, third = (a_repository(owner) for _ in range(3))
    assert database.artifacts.add_unless_busy(first, 2)
    assert database.artifacts.add_unless_busy(second, 2)
    assert not database.artifacts.add_unless_busy(third, 2)
    assert database.artifacts.get(third.id) is None  # nothing stored
    assert database.artifacts.get(first.id) == first
    # Another owner's jobs do not count; an ingesting (claimed) one does.
    assert database.artifacts.add_unless_busy(a_repository(new_id()), 2)
    claim = database.artifacts.claim_next("worker", at(0), at(30))
    assert claim is not None and claim.artifact.id == first.id
    assert not database.artifacts.add_unless_busy(third, 2)
    # A finished job, and a deleted one, make room.
    database.artifacts.finish_claim(
        first.id, "worker", Ingestion(ArtifactStatus.READY, files_count=1), at(1)
    )
    assert database.artifacts.add_unless_busy(third, 2)
    fourth = a_repository(owner)
    assert not database.artifacts.add_unless_busy(fourth, 2)
    database.artifacts.mark_deleted(second.id, at(2))
    assert database.artifacts.add_unless_busy(fourth, 2)
    assert {a.id for a in database.artifacts.list_for_session(third.session_id)} == {third.id}
    # Only repositories count: other artifacts of the owner do not.
    database.artifacts.add(an_artifact(new_id(), owner))
    assert not database.artifacts.add_unless_busy(a_repository(owner), 2)


def _race_adds(databases: list[Any], owner: str) -> int:
    """Four threads each add five repositories of `owner` under a cap of 5; how many won."""
    added: list[bool] = []
    lock = threading.Lock()

    def add_some(number: int) -> None:
        for _ in range(5):
            ok = databases[number % len(databases)].artifacts.add_unless_busy(
                a_repository(owner), 5
            )
            with lock:
                added.append(ok)

    threads = [threading.Thread(target=add_some, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return added.count(True)


def _claim_all(database: Any) -> int:
    return sum(1 for _ in iter(lambda: database.artifacts.claim_next("w", at(0), at(30)), None))


def test_racing_adds_never_pass_the_cap(database: Any) -> None:
    won = _race_adds([database], new_id())
    assert 1 <= won <= 5
    assert _claim_all(database) == won


@pytest.mark.parametrize("backend", ["sqlite"])
def test_racing_adds_over_one_file_never_pass_the_cap(backend: str, tmp_path: Path) -> None:
    # Separate adapters over one file: as separate server processes share it.
    databases = [open_database(backend, tmp_path) for _ in range(4)]
    try:
        won = _race_adds(databases, new_id())
        assert won == 5  # the count and the insert are one transaction: no spurious refusal
        assert _claim_all(databases[0]) == won
    finally:
        for database in databases:
            database.close()


def test_a_released_claim_is_pending_again_at_once_and_uncounted(database: Any) -> None:
    artifact = pending(database)
    first = database.artifacts.claim_next("a", at(0), at(30))
    assert first is not None and first.attempt == 1
    assert not database.artifacts.release_claim(artifact.id, "b")  # not b's to release
    assert database.artifacts.release_claim(artifact.id, "a")
    assert database.artifacts.get(artifact.id).ingestion.status is ArtifactStatus.PENDING
    assert not database.artifacts.release_claim(artifact.id, "a")  # released once
    # Long before the lease would have run out, and as the same attempt.
    again = database.artifacts.claim_next("b", at(1), at(31))
    assert again is not None and (again.artifact.id, again.attempt) == (artifact.id, 1)
    # Fenced: the old holder can neither renew nor finish it.
    assert not database.artifacts.renew_claim(artifact.id, "a", at(60))
    done = Ingestion(ArtifactStatus.READY, files_count=0)
    assert database.artifacts.finish_claim(artifact.id, "a", done, at(2)) is None
    assert database.artifacts.finish_claim(artifact.id, "b", done, at(2)) is not None


def test_unfinished_repositories_are_counted_by_status(database: Any) -> None:
    repositories = database.artifacts
    assert repositories.count_unfinished() == {
        ArtifactStatus.PENDING: 0, ArtifactStatus.INGESTING: 0,
    }  # fmt: skip
    for _ in range(3):
        pending(database)
    ready = a_repository(new_id(), ArtifactStatus.READY)
    repositories.add(ready)
    gone = pending(database)
    repositories.mark_deleted(gone.id, at(1))
    assert repositories.claim_next("worker", at(2), at(60)) is not None
    assert repositories.count_unfinished() == {
        ArtifactStatus.PENDING: 2, ArtifactStatus.INGESTING: 1,
    }  # fmt: skip
