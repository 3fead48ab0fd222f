"""Claims on text extraction, against every database adapter: atomic, leased, fenced."""

from pathlib import Path
from typing import Any

from chatcore.artifacts.model import Artifact, ArtifactType, StoredUpload, upload_key
from chatcore.artifacts.texts import TextState, TextStatus
from chatcore.shared.ids import ArtifactId
from tests.builders import an_artifact, at, new_id
from tests.contract.conftest import race_for_jobs

READY = TextState(TextStatus.READY, length=1234, truncated=True)


def an_upload(text: TextState | None = None) -> Artifact:
    artifact_id = ArtifactId(new_id())
    return an_artifact(
        new_id(),
        new_id(),
        id=artifact_id,
        type=ArtifactType.PDF,
        content=None,
        upload=StoredUpload(upload_key(artifact_id), "paper.pdf", "application/pdf"),
        text=TextState() if text is None else text,
    )


def pending(database: Any) -> Artifact:
    artifact = an_upload()
    database.artifacts.add(artifact)
    return artifact


def test_an_artifacts_text_is_stored_with_it(database: Any) -> None:
    for text in (None, TextState(), READY, TextState(TextStatus.FAILED, error="Broken")):
        artifact = an_upload(text)
        if text is None:
            artifact = an_artifact(new_id(), new_id(), type=ArtifactType.ZIP, content=None)
        database.artifacts.add(artifact)
        assert database.artifacts.get(artifact.id) == artifact
        assert database.artifacts.get(artifact.id).text == text


def test_two_claimers_one_wins(database: Any) -> None:
    artifact = pending(database)
    first = database.text_jobs.claim_next("a", at(0), at(30))
    second = database.text_jobs.claim_next("b", at(0), at(30))
    assert first is not None and second is None
    assert (first.artifact.id, first.owner, first.expires_at, first.attempt) == (
        artifact.id, "a", at(30), 1,
    )  # fmt: skip
    assert first.artifact.text.status is TextStatus.EXTRACTING
    assert database.artifacts.get(artifact.id).text.status is TextStatus.EXTRACTING


def test_oldest_first_and_only_pending_live_texts(database: Any) -> None:
    older, newer = pending(database), pending(database)
    gone = pending(database)
    database.artifacts.mark_deleted(gone.id, at(0))
    database.artifacts.add(an_upload(READY))
    database.artifacts.add(an_artifact(new_id(), new_id(), type=ArtifactType.ZIP, content=None))
    claimed = [database.text_jobs.claim_next("w", at(0), at(30)) for _ in range(3)]
    assert [c.artifact.id for c in claimed[:2]] == [older.id, newer.id]
    assert claimed[2] is None


def test_text_claims_and_ingestion_claims_are_apart(database: Any) -> None:
    # A pending repository is no text job, and a pending text no repository job.
    pending(database)
    assert database.artifacts.claim_next("w", at(0), at(30)) is None


def test_an_expired_lease_is_taken_over_and_fences_the_old_owner(database: Any) -> None:
    artifact = pending(database)
    database.text_jobs.claim_next("a", at(0), at(30))
    assert database.text_jobs.claim_next("b", at(29), at(59)) is None
    taken = database.text_jobs.claim_next("b", at(30), at(60))
    assert taken is not None and (taken.owner, taken.attempt) == ("b", 2)
    assert database.text_jobs.renew(artifact.id, "a", at(90)) is False
    assert database.text_jobs.finish(artifact.id, "a", READY, at(31)) is None
    assert database.artifacts.get(artifact.id).text.status is TextStatus.EXTRACTING
    finished = database.text_jobs.finish(artifact.id, "b", READY, at(32))
    assert finished.text == READY and finished.updated_at == at(32)
    assert database.artifacts.get(artifact.id) == finished
    # Done is done: never claimed again, never finished twice.
    assert database.text_jobs.claim_next("c", at(1000), at(1030)) is None
    assert database.text_jobs.finish(artifact.id, "b", READY, at(33)) is None


def test_renewing_keeps_the_job(database: Any) -> None:
    artifact = pending(database)
    database.text_jobs.claim_next("a", at(0), at(30))
    assert database.text_jobs.renew(artifact.id, "a", at(60)) is True
    assert database.text_jobs.claim_next("b", at(45), at(75)) is None
    assert database.text_jobs.claim_next("b", at(60), at(90)).owner == "b"


def test_a_released_claim_is_pending_again_and_its_attempt_not_counted(database: Any) -> None:
    artifact = pending(database)
    database.text_jobs.claim_next("a", at(0), at(30))
    assert database.text_jobs.release(artifact.id, "b") is False
    assert database.text_jobs.release(artifact.id, "a") is True
    assert database.artifacts.get(artifact.id).text == TextState()
    again = database.text_jobs.claim_next("b", at(1), at(31))
    assert (again.artifact.id, again.attempt) == (artifact.id, 1)
    assert database.text_jobs.release(artifact.id, "a") is False


def test_a_text_deleted_while_extracting_is_still_finished(database: Any) -> None:
    artifact = pending(database)
    database.text_jobs.claim_next("a", at(0), at(30))
    database.artifacts.mark_deleted(artifact.id, at(1))
    assert database.text_jobs.finish(artifact.id, "a", READY, at(2)).deleted


def test_racing_claimers_over_one_file_each_text_once(tmp_path: Path) -> None:
    # Separate adapters over one file: as separate server processes share it.
    def claim(database: Any, owner: str) -> Any:
        return database.text_jobs.claim_next(owner, at(0), at(30))

    jobs, won = race_for_jobs(tmp_path, pending, claim)
    assert won == jobs
