"""`chatcore backup DEST`: a copy of the embedded database and file storage, while serving.

DEST becomes a data dir of its own: `chatcore.sqlite3` (SQLite's online backup, the
database as it was at one moment), `storage/` (every stored object) and `secret_key`
(when the key lives in the data dir, so that tokens issued before keep working after a
restore). The database is copied first: objects are stored before the rows that name
them, so every object the copied rows name is in the copy (objects stored after the
database's moment are in it too, unnamed, and harm nothing). Restoring is pointing
`CHATCORE_DATA_DIR` at DEST, or copying its files back, with the server stopped.
"""

import os
import shutil
from pathlib import Path

from adapters.filesystem import FileObjectStore
from adapters.sqlite import SqliteDatabase
from entrypoints.bootstrap import Runtime

DATABASE_FILE = "chatcore.sqlite3"
STORAGE_FOLDER = "storage"
SECRET_KEY_FILE = "secret_key"


def backup(runtime: Runtime, data_dir: Path, destination: Path) -> dict[str, object]:
    """Copy what `runtime` stores into `destination` (new, or an empty folder).

    Raises ValueError when the configuration keeps its data elsewhere (MongoDB, memory),
    or when `destination` is not empty.
    """
    database = runtime.database
    objects = runtime.objects
    if not isinstance(database, SqliteDatabase):
        raise ValueError(
            "chatcore backup copies the embedded SQLite database and file storage; for"
            " MongoDB (and its GridFS) use mongodump, and memory:// keeps nothing to copy"
        )
    if not isinstance(objects, FileObjectStore):
        raise ValueError("chatcore backup copies file storage (file://) only")
    if destination.exists() and any(destination.iterdir()):
        raise ValueError(f"{destination} is not empty: back up into a new folder")
    # What it writes is as private as the data dir it copies.
    previous = os.umask(0o077)
    try:
        destination.mkdir(parents=True, exist_ok=True)
        database.backup(destination / DATABASE_FILE)
        copied = objects.copy_to(destination / STORAGE_FOLDER)
        key = data_dir / SECRET_KEY_FILE
        if key.is_file():
            shutil.copyfile(key, destination / SECRET_KEY_FILE)
    finally:
        os.umask(previous)
    return {
        "destination": str(destination),
        "database": DATABASE_FILE,
        "objects": copied,
        "secret_key": (destination / SECRET_KEY_FILE).is_file(),
    }
