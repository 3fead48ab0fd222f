from pathlib import Path

import mongomock
import mongomock.gridfs
import pytest

from adapters.filesystem import FileObjectStore
from adapters.memory import MemoryDatabase, MemoryObjectStore
from adapters.mongo import MongoDatabase
from adapters.mongo.objects import GridFsObjectStore
from adapters.sqlite import SqliteDatabase
from entrypoints.bootstrap import open_object_store


def test_the_default_is_a_folder_in_the_data_dir(tmp_path: Path) -> None:
    store = open_object_store(None, tmp_path, SqliteDatabase(str(tmp_path / "db.sqlite3")))
    assert isinstance(store, FileObjectStore)
    store.put("artifacts/a/upload", [b"x"])
    assert (tmp_path / "storage" / "artifacts" / "a" / "upload").read_bytes() == b"x"


def test_a_memory_database_keeps_its_objects_in_memory_too(tmp_path: Path) -> None:
    assert isinstance(open_object_store(None, tmp_path, MemoryDatabase()), MemoryObjectStore)
    assert list(tmp_path.iterdir()) == []


def test_file_and_memory_urls(tmp_path: Path) -> None:
    store = open_object_store(f"file://{tmp_path}/elsewhere", tmp_path, MemoryDatabase())
    store.put("k", [b"x"])
    assert (tmp_path / "elsewhere" / "k").exists()
    assert isinstance(open_object_store("memory://", tmp_path, MemoryDatabase()), MemoryObjectStore)


def test_gridfs_goes_with_a_mongo_database(tmp_path: Path) -> None:
    mongomock.gridfs.enable_gridfs_integration()
    mongo = MongoDatabase(mongomock.MongoClient(), "urls")
    assert isinstance(open_object_store(None, tmp_path, mongo), GridFsObjectStore)
    assert isinstance(open_object_store("gridfs://", tmp_path, mongo), GridFsObjectStore)
    with pytest.raises(ValueError, match="needs a mongodb"):
        open_object_store("gridfs://", tmp_path, MemoryDatabase())
    with pytest.raises(ValueError, match="unsupported scheme 's3'"):
        open_object_store("s3://bucket", tmp_path, MemoryDatabase())
