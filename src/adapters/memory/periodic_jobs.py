import threading
from datetime import datetime

from adapters.memory.journal import Journal


class MemoryPeriodicJobs:
    """Claims held in this process: enough for one process (a memory database is one)."""

    def __init__(self, journal: Journal | None = None) -> None:
        self._until: dict[str, datetime] = {}
        self._lock = threading.Lock()
        self._journal = journal or Journal()

    def claim(self, name: str, owner: str, at: datetime, until: datetime) -> bool:
        with self._lock:
            held_until = self._until.get(name)
            if held_until is not None and held_until > at:
                return False
            self._journal.keep(self._until, name, self._lock)
            self._until[name] = until
            return True
