"""The ObjectStore contract: filesystem, memory and GridFS (mongomock, or a real server)."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chatcore.artifacts.ports import ObjectStore

STORES = ["filesystem", "memory", "gridfs-mongomock"]
if os.environ.get("CHATCORE_TEST_MONGODB_URL"):
    STORES.append("gridfs-mongodb")


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ObjectStore]:
    if request.param == "filesystem":
        from adapters.filesystem import FileObjectStore

        yield FileObjectStore(tmp_path / "storage")
    elif request.param == "memory":
        from adapters.memory import MemoryObjectStore

        yield MemoryObjectStore()
    elif request.param == "gridfs-mongomock":
        import mongomock
        import mongomock.gridfs

        from adapters.mongo.objects import GridFsObjectStore

        # GridFS checks isinstance(pymongo.Database); this teaches it mongomock's.
        mongomock.gridfs.enable_gridfs_integration()
        yield GridFsObjectStore(mongomock.MongoClient()[f"test_{uuid.uuid4().hex}"])
    else:
        import pymongo

        from adapters.mongo.objects import GridFsObjectStore

        client: pymongo.MongoClient[Any] = pymongo.MongoClient(
            os.environ["CHATCORE_TEST_MONGODB_URL"]
        )
        name = f"chatcore_test_{uuid.uuid4().hex}"
        yield GridFsObjectStore(client[name])
        client.drop_database(name)
        client.close()


def read(store: ObjectStore, key: str) -> bytes | None:
    stream = store.open(key)
    if stream is None:
        return None
    with stream:
        return stream.read()


def test_put_then_read_back_in_chunks(store: ObjectStore) -> None:
    chunks = [os.urandom(300_000), b"", os.urandom(70_000), b"tail"]
    assert store.put("artifacts/a1/upload", iter(chunks)) == sum(map(len, chunks))
    stream = store.open("artifacts/a1/upload")
    assert stream is not None
    with stream:
        assert stream.read(4) == chunks[0][:4]
        assert stream.read() == b"".join(chunks)[4:]


def test_a_stream_is_seekable(store: ObjectStore) -> None:
    store.put("k", [b"0123456789"])
    stream = store.open("k")
    assert stream is not None
    with stream:
        assert stream.seek(0, 2) == 10
        stream.seek(3)
        assert stream.read(2) == b"34"


def test_missing_objects_open_as_none(store: ObjectStore) -> None:
    assert store.open("artifacts/none/upload") is None


def test_put_replaces_the_old_object(store: ObjectStore) -> None:
    store.put("k", [b"old bytes"])
    store.put("k", [b"new"])
    assert read(store, "k") == b"new"


def test_empty_objects_exist(store: ObjectStore) -> None:
    assert store.put("empty", []) == 0
    assert read(store, "empty") == b""


def test_a_failing_stream_stores_nothing_and_keeps_the_old_object(store: ObjectStore) -> None:
    def failing() -> Iterator[bytes]:
        yield b"partial " * 10_000
        raise ValueError("refused mid-stream")

    with pytest.raises(ValueError, match="refused"):
        store.put("fresh", failing())
    assert store.open("fresh") is None
    store.put("kept", [b"whole"])
    with pytest.raises(ValueError):
        store.put("kept", failing())
    assert read(store, "kept") == b"whole"


def test_put_many_stores_each_object(store: ObjectStore) -> None:
    objects = [(f"artifacts/r/files/{n:04}", f"file {n}".encode()) for n in range(300)]
    store.put_many(iter(objects))
    for key, data in objects:
        assert read(store, key) == data


def test_put_many_stops_where_its_source_fails(store: ObjectStore) -> None:
    def source() -> Iterator[tuple[str, bytes]]:
        for n in range(100):
            yield f"artifacts/r/files/{n:04}", b"x"
        raise ValueError("the repository went away")

    with pytest.raises(ValueError, match="went away"):
        store.put_many(source())
    # What was written before the failure is whole, for the caller to keep or delete.
    assert all(read(store, f"artifacts/r/files/{n:04}") == b"x" for n in range(100))


def test_delete_forgets_and_tolerates_missing(store: ObjectStore) -> None:
    store.put("artifacts/x/files/f1", [b"one"])
    store.put("artifacts/x/files/f2", [b"two"])
    store.delete("artifacts/x/files/f1")
    store.delete("artifacts/x/files/f1")
    store.delete("never/there")
    assert store.open("artifacts/x/files/f1") is None
    assert read(store, "artifacts/x/files/f2") == b"two"


def test_ping_answers_and_leaves_nothing_behind(store: ObjectStore) -> None:
    store.put("kept", [b"bytes"])
    store.ping()
    store.ping()
    assert read(store, "kept") == b"bytes"


def test_filesystem_ping_fails_when_the_folder_is_gone_or_read_only(tmp_path: Path) -> None:
    from adapters.filesystem import FileObjectStore

    root = tmp_path / "storage"
    store = FileObjectStore(root)
    store.ping()
    assert list(root.iterdir()) == []
    root.rmdir()
    with pytest.raises(FileNotFoundError):
        store.ping()
    # A file where the folder was: what a failed mount or a bad volume can look like.
    root.write_bytes(b"")
    with pytest.raises(OSError):
        store.ping()


def test_gridfs_ping_fails_when_the_server_does_not_answer() -> None:
    import pymongo
    import pymongo.errors

    from adapters.mongo.objects import GridFsObjectStore

    # Port 1 on loopback: nothing listens, so server selection gives up at its timeout.
    client: pymongo.MongoClient[Any] = pymongo.MongoClient(
        "mongodb://127.0.0.1:1", serverSelectionTimeoutMS=200, connect=False
    )
    try:
        with pytest.raises(pymongo.errors.ServerSelectionTimeoutError):
            GridFsObjectStore(client["chatcore"]).ping()
    finally:
        client.close()


def test_filesystem_keys_never_leave_the_root(tmp_path: Path) -> None:
    from adapters.filesystem import FileObjectStore

    store = FileObjectStore(tmp_path / "root")
    for key in ("../escape", "a/../../escape", "/etc/passwd", ".hidden", "a//b", "", "a/./b"):
        with pytest.raises(ValueError, match="Invalid object key"):
            store.put(key, [b"x"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["root"]


def test_filesystem_leaves_no_temporary_files(tmp_path: Path) -> None:
    from adapters.filesystem import FileObjectStore

    store = FileObjectStore(tmp_path)

    def failing() -> Iterator[bytes]:
        yield b"x"
        raise OSError("disk gone")

    store.put("artifacts/a/upload", [b"ok"])
    with pytest.raises(OSError):
        store.put("artifacts/a/upload", failing())
    with pytest.raises(OSError):
        store.put("artifacts/b/upload", failing())
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["artifacts/a/upload"]
    store.delete("artifacts/a/upload")
    assert list(tmp_path.iterdir()) == []


def test_delete_under_removes_every_object_of_a_folder_and_no_other(store: ObjectStore) -> None:
    for key in (
        "artifacts/a1/upload",
        "artifacts/a1/files/0f",
        "artifacts/a1/files/1e",
        "artifacts/a10/upload",
        "artifacts/b2/upload",
    ):
        store.put(key, [key.encode()])
    store.delete_under("artifacts/a1")
    for gone in ("artifacts/a1/upload", "artifacts/a1/files/0f", "artifacts/a1/files/1e"):
        assert store.open(gone) is None
    for kept in ("artifacts/a10/upload", "artifacts/b2/upload"):
        with store.open(kept) as stream:  # type: ignore[union-attr]
            assert stream.read() == kept.encode()
    store.delete_under("artifacts/a1")  # nothing left: no error
    store.delete_under("artifacts/never")
    store.put("artifacts/a1/upload", [b"again"])  # the folder can be written again
    with store.open("artifacts/a1/upload") as stream:  # type: ignore[union-attr]
        assert stream.read() == b"again"
