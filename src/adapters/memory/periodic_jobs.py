import threading
from datetime import datetime


class MemoryPeriodicJobs:
    """Claims held in this process: enough for one process (a memory database is one)."""

    def __init__(self) -> None:
        self._until: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def claim(self, name: str, owner: str, at: datetime, until: datetime) -> bool:
        with self._lock:
            held_until = self._until.get(name)
            if held_until is not None and held_until > at:
                return False
            self._until[name] = until
            return True
