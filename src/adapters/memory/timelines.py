import bisect
import copy
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Generic, Protocol, TypeVar


class _Entry(Protocol):
    @property
    def id(self) -> str: ...

    deleted_at: datetime | None
    updated_at: datetime


E = TypeVar("E", bound=_Entry)


class Timelines(Generic[E]):
    """Entries grouped by a key (a session, a room), each group's ids kept sorted.

    Ids grow with time, so the latest entries of a group are a slice away.
    """

    def __init__(self, group_of: Callable[[E], str]) -> None:
        self._group_of = group_of
        self._entries: dict[str, E] = {}
        self._groups: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def add(self, entry: E) -> None:
        with self._lock:
            self._entries[entry.id] = copy.copy(entry)
            bisect.insort(self._groups.setdefault(self._group_of(entry), []), entry.id)

    def get(self, entry_id: str) -> E | None:
        with self._lock:
            entry = self._entries.get(entry_id)
            return copy.copy(entry) if entry is not None else None

    def latest(self, group: str, limit: int, before: str | None = None) -> list[E]:
        with self._lock:
            ids = self._groups.get(group, [])
            end = len(ids) if before is None else bisect.bisect_left(ids, before)
            found: list[E] = []
            for index in range(end - 1, -1, -1):
                if len(found) == limit:
                    break
                entry = self._entries[ids[index]]
                if entry.deleted_at is None:
                    found.append(copy.copy(entry))
        found.reverse()
        return found

    def mark_deleted(self, entry_id: str, at: datetime) -> bool:
        with self._lock:
            entry = self._entries.get(entry_id)
            if entry is None or entry.deleted_at is not None:
                return False
            entry.deleted_at = at
            entry.updated_at = at
            return True
