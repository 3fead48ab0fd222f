import bisect
import copy
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from adapters.memory.journal import Journal
from chatcore.shared.paging import Position, position_of_id


class _Entry(Protocol):
    @property
    def id(self) -> str: ...

    created_at: datetime
    deleted_at: datetime | None
    updated_at: datetime


E = TypeVar("E", bound=_Entry)


def _place(entry: _Entry) -> Position:
    return Position(entry.created_at, entry.id)


class Timelines(Generic[E]):
    """Entries grouped by a key (a session, a room), each group kept sorted by place:
    (created_at, id), the time the server accepted an entry and the id for ties.

    The latest entries of a group, or those before a place, are a slice away.
    """

    def __init__(self, group_of: Callable[[E], str], journal: Journal | None = None) -> None:
        self._group_of = group_of
        self._entries: dict[str, E] = {}
        self._groups: dict[str, list[Position]] = {}
        self._lock = threading.Lock()
        self._journal = journal or Journal()

    def add(self, entry: E) -> None:
        with self._lock:
            self._journal.keep(self._entries, entry.id, self._lock)
            self._entries[entry.id] = copy.copy(entry)
            self._insert(entry)

    def _insert(self, entry: E) -> None:
        group, place = self._group_of(entry), _place(entry)
        bisect.insort(self._groups.setdefault(group, []), place)

        def unplace() -> None:
            with self._lock:
                places = self._groups[group]
                places.pop(bisect.bisect_left(places, place))

        self._journal.record(unplace)

    def get(self, entry_id: str) -> E | None:
        with self._lock:
            entry = self._entries.get(entry_id)
            return copy.copy(entry) if entry is not None else None

    def latest(self, group: str, limit: int, before: str | None = None) -> list[E]:
        if before is None:
            return self.page(group, limit)
        with self._lock:
            entry = self._entries.get(before)
            end = position_of_id(before) if entry is None else _place(entry)
        return self.page(group, limit, end)

    def page(self, group: str, limit: int, before: Position | None = None) -> list[E]:
        with self._lock:
            places = self._groups.get(group, [])
            end = len(places) if before is None else bisect.bisect_left(places, before)
            found: list[E] = []
            for index in range(end - 1, -1, -1):
                if len(found) == limit:
                    break
                entry = self._entries[places[index].id]
                if entry.deleted_at is None:
                    found.append(copy.copy(entry))
        found.reverse()
        return found

    def remove_groups(self, groups: Iterable[str]) -> int:
        """Forget every entry of these groups, deleted or not; how many there were."""
        with self._lock:
            removed = 0
            for group in groups:
                for place in self._groups.pop(group, []):
                    self._forget(self._entries[place.id])
                    removed += 1
            return removed

    def remove_deleted_before(self, cutoff: datetime) -> int:
        """Forget the entries soft-deleted before `cutoff`; how many there were."""
        with self._lock:
            due = [
                entry
                for entry in self._entries.values()
                if entry.deleted_at is not None and entry.deleted_at < cutoff
            ]
            for entry in due:
                group = self._groups[self._group_of(entry)]
                group.pop(bisect.bisect_left(group, _place(entry)))
                self._forget(entry)
            return len(due)

    def _forget(self, entry: E) -> None:
        """Drop an entry already taken out of its group; a rollback puts both back."""
        del self._entries[entry.id]

        def restore() -> None:
            with self._lock:
                self._entries[entry.id] = entry
                bisect.insort(self._groups.setdefault(self._group_of(entry), []), _place(entry))

        self._journal.record(restore)

    def mark_deleted(self, entry_id: str, at: datetime) -> bool:
        with self._lock:
            entry = self._entries.get(entry_id)
            if entry is None or entry.deleted_at is not None:
                return False
            self._journal.keep(self._entries, entry_id, self._lock)
            entry.deleted_at = at
            entry.updated_at = at
            return True
