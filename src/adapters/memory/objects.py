import io
import threading
from collections.abc import Iterable
from typing import BinaryIO


class MemoryObjectStore:
    """Objects as bytes in a dict: for tests and `CHATCORE_STORAGE_URL=memory://`."""

    def __init__(self) -> None:
        self._objects: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        # Gathered first and published in one assignment: all or nothing.
        data = b"".join(chunks)
        with self._lock:
            self._objects[key] = data
        return len(data)

    def put_many(self, objects: Iterable[tuple[str, bytes]]) -> None:
        # Nothing to overlap: each write is done when `put` returns.
        for key, data in objects:
            self.put(key, (data,))

    def open(self, key: str) -> BinaryIO | None:
        with self._lock:
            data = self._objects.get(key)
        return None if data is None else io.BytesIO(data)

    def delete(self, key: str) -> None:
        with self._lock:
            self._objects.pop(key, None)

    def delete_under(self, folder: str) -> None:
        prefix = f"{folder}/"
        with self._lock:
            for key in [key for key in self._objects if key.startswith(prefix)]:
                del self._objects[key]

    def ping(self) -> None:
        # The dict is in this process: while the process answers, so does the storage.
        return None

    def stored_keys(self) -> list[str]:
        """Every key held, sorted (for tests that check nothing was left behind)."""
        with self._lock:
            return sorted(self._objects)
