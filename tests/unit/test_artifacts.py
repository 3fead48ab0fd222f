import io
import zipfile
from collections.abc import Callable

import pytest

from adapters.memory import MemoryObjectStore
from chatcore.accounts.model import Role, User
from chatcore.artifacts.model import ArtifactStatus, ArtifactType
from chatcore.core import ChatCore
from chatcore.shared.errors import InvalidInput, NotFound, StorageFault, TooLarge
from tests import files


def store_of(core: ChatCore) -> MemoryObjectStore:
    objects = core.ports.objects
    assert isinstance(objects, MemoryObjectStore)
    return objects


def test_a_zip_upload_stores_the_archive_and_each_member(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    user = make_user()
    session = core.sessions.create(user)
    data, members = files.project_zip()
    artifact = core.artifacts.upload(user, session.id, "p.zip", io.BytesIO(data), None)
    assert artifact.ingestion.files_count == len(members)
    assert len(store_of(core).stored_keys()) == len(members) + 1
    content = core.artifacts.file_content(user, session.id, artifact.id, "src/main.py")
    assert content.content == members["src/main.py"].decode()


@pytest.mark.parametrize("archive", [files.zip_bomb(), files.zip_slip(), files.symlink_zip()])
def test_a_refused_archive_leaves_nothing_behind(
    core: ChatCore, make_user: Callable[..., User], archive: bytes
) -> None:
    user = make_user()
    session = core.sessions.create(user)
    with pytest.raises(InvalidInput):
        core.artifacts.upload(user, session.id, "a.zip", io.BytesIO(archive), None)
    assert store_of(core).stored_keys() == []
    assert core.artifacts.in_session(user, session.id) == []


def test_an_upload_over_the_limit_is_refused_while_it_streams(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    user = make_user()
    session = core.sessions.create(user)
    limit = core.artifacts.limits.max_upload_bytes
    with pytest.raises(TooLarge):
        core.artifacts.upload(user, session.id, "a.txt", io.BytesIO(b"a" * (limit + 1)), None)
    assert store_of(core).stored_keys() == []


def test_a_member_failing_late_removes_the_members_before_it(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    # Two fine members, then one whose bytes do not match its CRC.
    members = {"a.txt": b"a" * 100, "b.txt": b"b" * 100, "c.txt": b"c" * 100}
    data = bytearray(files.zip_of(members, zipfile.ZIP_STORED))
    data[data.rfind(b"c" * 100)] ^= 0xFF
    user = make_user()
    session = core.sessions.create(user)
    with pytest.raises(InvalidInput):
        core.artifacts.upload(user, session.id, "a.zip", io.BytesIO(bytes(data)), None)
    assert store_of(core).stored_keys() == []


def test_deleting_a_user_disables_the_artifacts_of_their_sessions(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    user, admin = make_user(), make_user(Role.ADMIN)
    session = core.sessions.create(user)
    artifact = core.artifacts.create(user, session.id, ArtifactType.TEXT, "n", content="x")
    core.accounts.delete(admin, user.id)
    stored = core.ports.artifacts.get(artifact.id)
    assert stored is not None and stored.deleted


def test_repositories_start_pending(core: ChatCore, make_user: Callable[..., User]) -> None:
    user = make_user()
    session = core.sessions.create(user)
    artifact = core.artifacts.create(
        user, session.id, ArtifactType.REPOSITORY, source="https://github.com/user/repo.git"
    )
    assert (artifact.name, artifact.ingestion.status) == ("repo", ArtifactStatus.PENDING)
    with pytest.raises(NotFound):
        core.artifacts.download(user, session.id, artifact.id)


def test_a_vanished_object_is_a_storage_fault(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    user = make_user()
    session = core.sessions.create(user)
    artifact = core.artifacts.upload(user, session.id, "a.pdf", io.BytesIO(files.pdf()), None)
    for key in store_of(core).stored_keys():
        store_of(core).delete(key)
    with pytest.raises(StorageFault):
        core.artifacts.download(user, session.id, artifact.id)
