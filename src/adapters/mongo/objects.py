import re
from collections.abc import Iterable
from typing import BinaryIO, cast

import gridfs
from pymongo.database import Database

from adapters.mongo.documents import Document

# GridFS's default chunk: 255 KiB, under the 16 MiB document limit with room to spare.
BUCKET = "artifacts"


class GridFsObjectStore:
    """Objects in GridFS, so that every server process on every machine sees the same ones.

    A GridFS file becomes visible only when its last chunk is written and its files
    document inserted: a reader finds the previous revision or the whole new one.
    """

    def __init__(self, database: Database[Document], bucket: str = BUCKET) -> None:
        self._bucket = gridfs.GridFSBucket(database, bucket_name=bucket)
        self._files = database[f"{bucket}.files"]
        self._chunks = database[f"{bucket}.chunks"]

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        stream = self._bucket.open_upload_stream(key)
        size = 0
        try:
            for chunk in chunks:
                stream.write(chunk)
                size += len(chunk)
        except BaseException:
            stream.abort()  # removes the chunks written so far
            raise
        stream.close()
        # The new revision is in place; older ones of the key can go.
        for older in self._bucket.find({"filename": key, "_id": {"$ne": stream._id}}):
            self._delete(older._id)
        return size

    def put_many(self, objects: Iterable[tuple[str, bytes]]) -> None:
        # Nothing to overlap: each write is done when `put` returns.
        for key, data in objects:
            self.put(key, (data,))

    def open(self, key: str) -> BinaryIO | None:
        try:
            # GridOut reads, seeks and closes like a binary file.
            return cast(BinaryIO, self._bucket.open_download_stream_by_name(key))
        except gridfs.errors.NoFile:
            return None

    def delete(self, key: str) -> None:
        for revision in self._bucket.find({"filename": key}):
            self._delete(revision._id)

    def delete_under(self, folder: str) -> None:
        # An anchored prefix with no special characters: a range scan of the filename index.
        prefix = {"$regex": f"^{re.escape(folder)}/"}
        for revision in self._bucket.find({"filename": prefix}):
            self._delete(revision._id)

    def ping(self) -> None:
        # One indexed read of the bucket: the server answers, and this database is readable.
        self._files.find_one({}, projection={"_id": 1})

    def _delete(self, file_id: object) -> None:
        # What GridFSBucket.delete does, by the GridFS spec: the files document first (the
        # file is gone for readers at once), then its chunks. Written out because that
        # method needs client options that mongomock lacks; and a file deleted by another
        # process meanwhile is no error here.
        self._files.delete_one({"_id": file_id})
        self._chunks.delete_many({"files_id": file_id})
