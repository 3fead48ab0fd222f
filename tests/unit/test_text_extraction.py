"""Extracting texts: the use case over in-memory adapters and the real extractor."""

import io
from collections.abc import Callable
from datetime import timedelta

import pytest

from adapters.memory import ManualClock, MemoryDatabase, MemoryObjectStore
from adapters.text_extraction import IsolatedTextExtractor
from chatcore.accounts.model import User
from chatcore.artifacts.model import Artifact, ArtifactType, StoredUpload, upload_key
from chatcore.artifacts.stored_text import PIECE_CHARS, StoredTexts
from chatcore.artifacts.text_extraction import MAX_ATTEMPTS, TextExtraction
from chatcore.artifacts.texts import TextLimits, TextState, TextStatus
from chatcore.core import ChatCore
from chatcore.shared.errors import InvalidInput, NotFound
from chatcore.shared.ids import ArtifactId
from tests import documents, files
from tests.builders import an_artifact, new_id

NOTES = "Première ligne — Ελληνικά.\n\nSecond paragraph: русский.\n"


@pytest.fixture
def database() -> MemoryDatabase:
    return MemoryDatabase()


@pytest.fixture
def objects() -> MemoryObjectStore:
    return MemoryObjectStore()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def extraction(
    database: MemoryDatabase, objects: MemoryObjectStore, clock: ManualClock
) -> TextExtraction:
    return TextExtraction(
        database.text_jobs, objects, IsolatedTextExtractor(), clock, database.search
    )


def uploaded(
    database: MemoryDatabase, objects: MemoryObjectStore, filename: str, data: bytes
) -> Artifact:
    artifact_id = ArtifactId(new_id())
    kind = {"pdf": ArtifactType.PDF, "txt": ArtifactType.TEXT}[filename.rsplit(".")[-1]]
    objects.put(upload_key(artifact_id), [data])
    artifact = an_artifact(
        new_id(),
        new_id(),
        id=artifact_id,
        type=kind,
        content=None,
        upload=StoredUpload(upload_key(artifact_id), filename, "application/octet-stream"),
        text=TextState(),
    )
    database.artifacts.add(artifact)
    return artifact


def extract_next(extraction: TextExtraction, owner: str = "w") -> Artifact | None:
    claim = extraction.claim_next(owner)
    assert claim is not None
    return extraction.extract(claim, lambda: True)


def test_a_claimed_text_becomes_ready_and_readable(
    extraction: TextExtraction, database: MemoryDatabase, objects: MemoryObjectStore
) -> None:
    artifact = uploaded(database, objects, "notes.txt", NOTES.encode())
    done = extract_next(extraction)
    assert done is not None and done.text == TextState(TextStatus.READY, length=len(NOTES))
    assert database.artifacts.get(artifact.id).text == done.text
    assert StoredTexts(objects).slice(artifact.id, len(NOTES), 0, 1000) == NOTES
    assert extraction.claim_next("w") is None  # once


def test_a_text_over_the_limit_is_kept_cut_and_says_so(
    extraction: TextExtraction, database: MemoryDatabase, objects: MemoryObjectStore
) -> None:
    extraction.limits = TextLimits(max_chars=10)
    artifact = uploaded(database, objects, "notes.txt", NOTES.encode())
    done = extract_next(extraction)
    assert done is not None and done.text == TextState(TextStatus.READY, 10, truncated=True)
    assert StoredTexts(objects).slice(artifact.id, 10, 0, 100) == NOTES[:10]


def test_a_document_without_text_is_unsupported_with_its_reason(
    extraction: TextExtraction, database: MemoryDatabase, objects: MemoryObjectStore
) -> None:
    uploaded(database, objects, "scan.pdf", documents.image_only_pdf())
    done = extract_next(extraction)
    assert done is not None and done.text is not None
    assert done.text.status is TextStatus.UNSUPPORTED and done.text.length == 0
    assert done.text.error is not None and "no text layer" in done.text.error


def test_a_vanished_upload_fails_with_a_reason(
    extraction: TextExtraction, database: MemoryDatabase, objects: MemoryObjectStore
) -> None:
    artifact = uploaded(database, objects, "notes.txt", b"words")
    objects.delete(upload_key(artifact.id))
    done = extract_next(extraction)
    assert done is not None
    assert done.text == TextState(
        TextStatus.FAILED, error="The uploaded file is missing from storage"
    )


def test_a_claim_lost_on_the_way_records_nothing(
    extraction: TextExtraction,
    database: MemoryDatabase,
    objects: MemoryObjectStore,
    clock: ManualClock,
) -> None:
    artifact = uploaded(database, objects, "notes.txt", NOTES.encode())
    first = extraction.claim_next("a")
    assert first is not None
    clock.advance(extraction.lease)  # a hung worker: its lease runs out, another takes over
    second = extraction.claim_next("b")
    assert second is not None and second.attempt == 2
    assert extraction.extract(first, lambda: True) is None
    assert database.artifacts.get(artifact.id).text == TextState(TextStatus.EXTRACTING)
    done = extraction.extract(second, lambda: True)
    assert done is not None and done.text is not None and done.text.status is TextStatus.READY


def test_a_cancelled_extraction_records_nothing_and_can_be_released(
    extraction: TextExtraction, database: MemoryDatabase, objects: MemoryObjectStore
) -> None:
    artifact = uploaded(database, objects, "paper.pdf", documents.image_only_pdf())
    claim = extraction.claim_next("a")
    assert claim is not None
    assert extraction.extract(claim, lambda: False) is None
    assert extraction.release(claim) is True
    assert database.artifacts.get(artifact.id).text == TextState()
    again = extraction.claim_next("b")
    assert again is not None and again.attempt == 1


def test_a_document_that_keeps_killing_its_workers_is_given_up(
    extraction: TextExtraction,
    database: MemoryDatabase,
    objects: MemoryObjectStore,
    clock: ManualClock,
) -> None:
    uploaded(database, objects, "notes.txt", NOTES.encode())
    for _ in range(MAX_ATTEMPTS):
        assert extraction.claim_next("crashing") is not None
        clock.advance(extraction.lease + timedelta(seconds=1))
    done = extract_next(extraction)
    assert done is not None and done.text is not None
    assert done.text.status is TextStatus.FAILED
    assert done.text.error == f"Text extraction was interrupted {MAX_ATTEMPTS} times; giving up"


def test_slices_across_pieces_are_exact(objects: MemoryObjectStore) -> None:
    texts = StoredTexts(objects)
    artifact_id = ArtifactId(new_id())
    text = "".join(chr(0x400 + n % 200) + "é日" for n in range(PIECE_CHARS)) + "end"
    assert texts.save(artifact_id, text) == len(text)
    length = len(text)
    for offset, limit in [
        (0, 10),
        (PIECE_CHARS - 2, 5),
        (PIECE_CHARS, PIECE_CHARS),
        (1, 2 * PIECE_CHARS + 7),
        (length - 3, 100),
        (length, 10),
        (length + 5, 10),
    ]:
        assert texts.slice(artifact_id, length, offset, limit) == text[offset : offset + limit]
    assert "".join(texts.pieces(artifact_id, length)) == text


def test_reading_a_text_in_slices_through_the_library(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    user = make_user()
    session = core.sessions.create(user)
    inline = core.artifacts.create(user, session.id, ArtifactType.TEXT, content="héllo wörld")
    part = core.artifacts.text(user, session.id, inline.id, offset=2, limit=5)
    assert (part.status, part.text, part.offset, part.total) == (TextStatus.READY, "llo w", 2, 11)
    upload = core.artifacts.upload(user, session.id, "notes.txt", io.BytesIO(NOTES.encode()), None)
    assert core.artifacts.text(user, session.id, upload.id).status is TextStatus.PENDING
    claim = core.texts.claim_next("w")
    assert claim is not None and core.texts.extract(claim, lambda: True) is not None
    whole = core.artifacts.text(user, session.id, upload.id)
    assert (whole.status, whole.text, whole.total) == (TextStatus.READY, NOTES, len(NOTES))
    archive = core.artifacts.upload(user, session.id, "a.zip", io.BytesIO(files.zip_of({})), None)
    with pytest.raises(NotFound):
        core.artifacts.text(user, session.id, archive.id)
    for offset, limit in [(-1, 10), (0, 0), (0, 1_000_001)]:
        with pytest.raises(InvalidInput):
            core.artifacts.text(user, session.id, inline.id, offset, limit)
    with pytest.raises(NotFound):
        core.artifacts.text(make_user(), session.id, inline.id)
