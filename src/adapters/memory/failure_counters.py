import threading
from datetime import datetime, timedelta

from chatcore.accounts.ports import Failures


class MemoryFailureCounters:
    """One process's failure counts. Logins run on several threads: a lock keeps counts whole."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[Failures, datetime]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Failures | None:
        with self._lock:
            entry = self._counts.get(key)
        return None if entry is None else entry[0]

    def record(self, key: str, at: datetime, keep_for: timedelta) -> None:
        with self._lock:
            entry = self._counts.get(key)
            count = 1 if entry is None or entry[1] <= at else entry[0].count + 1
            self._counts[key] = (Failures(count, at), at + keep_for)
            # Forgotten counts go as new ones come: the dict holds only the live ones.
            if len(self._counts) > 1024 and count == 1:
                self._counts = {k: v for k, v in self._counts.items() if v[1] > at}

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)
