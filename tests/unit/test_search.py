"""What becomes searchable, and when it stops being: the use cases that write the index."""

import io
from collections.abc import Callable
from datetime import timedelta

import pytest

from adapters.memory import ManualClock, MemoryRepositoryFetcher
from chatcore.accounts.model import User
from chatcore.artifacts.model import ArtifactType
from chatcore.core import ChatCore
from chatcore.shared.errors import InvalidInput
from tests import files

URL = "https://github.com/user/project"


def found(core: ChatCore, user: User, q: str) -> list[tuple[str | None, str | None]]:
    """(message id or artifact id, path) of each result."""
    return [
        (result.message_id or result.artifact_id, result.path)
        for result in core.search.search(user, q).items
    ]


def test_a_sent_message_is_found_and_a_deleted_one_forgotten(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    user = make_user()
    session = core.sessions.create(user)
    message = core.sessions.send_message(user, session.id, "Remember the milk")
    assert found(core, user, "milk") == [(message.id, None)]
    core.sessions.delete_message(user, session.id, message.id)
    assert found(core, user, "milk") == []
    assert core.ports.search.indexed([message.id]) == set()


def test_a_text_artifact_is_found_by_its_content(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    user = make_user()
    session = core.sessions.create(user)
    note = core.artifacts.create(user, session.id, ArtifactType.TEXT, content="Gnocchi recipe")
    assert found(core, user, "gnocchi") == [(note.id, None)]


def test_the_text_files_of_a_zip_are_found_not_its_binaries(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    user = make_user()
    session = core.sessions.create(user)
    archive = files.zip_of({"notes/plan.md": "Launch plan", "logo.bin": b"Launch\x00\x01"})
    artifact = core.artifacts.upload(user, session.id, "a.zip", io.BytesIO(archive), None)
    assert found(core, user, "launch") == [(artifact.id, "notes/plan.md")]


def test_a_refused_archive_leaves_nothing_in_the_index(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    user = make_user()
    session = core.sessions.create(user)
    with pytest.raises(InvalidInput):
        core.artifacts.upload(user, session.id, "a.zip", io.BytesIO(files.zip_slip()), None)
    assert core.search.search(user, "evil*").items == []


def test_a_ready_repositorys_text_files_are_found(
    core: ChatCore, make_user: Callable[..., User], fetcher: MemoryRepositoryFetcher
) -> None:
    fetcher.publish(URL, {"README.md": b"Quokka project", "logo.png": b"\x89PNG\x00quokka"})
    user = make_user()
    session = core.sessions.create(user)
    artifact = core.artifacts.create(user, session.id, ArtifactType.REPOSITORY, source=URL)
    claim = core.ingestion.claim_next("w")
    assert claim is not None and core.ingestion.ingest(claim, lambda: True) is not None
    assert found(core, user, "quokka") == [(artifact.id, "README.md")]


def test_a_failed_ingestion_leaves_nothing_in_the_index(
    core: ChatCore, make_user: Callable[..., User], fetcher: MemoryRepositoryFetcher
) -> None:
    # Over the file-size limit: fetched, refused, nothing of it kept.
    fetcher.publish(URL, {"README.md": b"Wombat", "big.txt": b"w" * (6 * 1024 * 1024)})
    user = make_user()
    session = core.sessions.create(user)
    core.artifacts.create(user, session.id, ArtifactType.REPOSITORY, source=URL)
    claim = core.ingestion.claim_next("w")
    assert claim is not None
    done = core.ingestion.ingest(claim, lambda: True)
    assert done is not None and done.ingestion.error
    assert found(core, user, "wombat") == []


def test_the_purge_forgets_the_index_of_what_it_removes(
    core: ChatCore, make_user: Callable[..., User], clock: ManualClock
) -> None:
    user = make_user()
    session = core.sessions.create(user)
    message = core.sessions.send_message(user, session.id, "Platypus")
    note = core.artifacts.create(user, session.id, ArtifactType.TEXT, content="Platypus too")
    core.sessions.delete(user, session.id)
    clock.advance(timedelta(days=31))
    core.purge.run()
    assert core.ports.search.indexed([message.id, note.id]) == set()


def test_a_documents_text_is_found_once_extracted(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    user = make_user()
    session = core.sessions.create(user)
    data = b"Minutes of the Axolotl committee"
    artifact = core.artifacts.upload(user, session.id, "minutes.txt", io.BytesIO(data), None)
    assert found(core, user, "axolotl") == []  # pending: no text yet
    claim = core.texts.claim_next("w")
    assert claim is not None and core.texts.extract(claim, lambda: True) is not None
    assert found(core, user, "axolotl") == [(artifact.id, None)]
