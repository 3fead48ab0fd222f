"""What the message tables share: entries grouped by a column (a session, a room).

Entries are placed by (created_at, id): the millisecond the server accepted them, the id
breaking ties. A group's latest entries, or those before a place, are a walk backwards down
an index on (group, created_at, id) WHERE deleted_at IS NULL that stops after `limit` rows:
the cost does not depend on the group's size.
"""

import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Generic

from adapters.sqlite.connection import Connections
from adapters.sqlite.timestamps import from_ms, to_ms, to_ms_or_none
from adapters.timeline_entries import E
from chatcore.shared.paging import Position, position_of_id

_TIMES = ("created_at", "updated_at", "deleted_at")


class Timelines(Generic[E]):
    """The entries of `table`, grouped by its column `group`.

    The table has the columns id, then `fields` (whose values `values` gives, in order),
    then created_at, updated_at and deleted_at; `entry` makes an entity of a row.
    """

    def __init__(
        self,
        connections: Connections,
        table: str,
        group: str,
        fields: tuple[str, ...],
        values: Callable[[E], tuple[object, ...]],
        entry: Callable[[sqlite3.Row], E],
    ) -> None:
        self._connections = connections
        self._values = values
        self._entry = entry
        columns = ("id", *fields, *_TIMES)
        select = f"SELECT {', '.join(columns)} FROM {table}"
        self._insert = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        )
        self._get = f"{select} WHERE id = ?"
        live = f"{select} WHERE {group} = ? AND deleted_at IS NULL"
        newest_first = "ORDER BY created_at DESC, id DESC LIMIT ?"
        self._latest = f"{live} {newest_first}"
        self._latest_before = f"{live} AND (created_at, id) < (?, ?) {newest_first}"
        self._created_at = f"SELECT created_at FROM {table} WHERE id = ?"
        # Conditional, so of two concurrent deletes only one reports True (counts drop once).
        self._mark_deleted = (
            f"UPDATE {table} SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL"
        )

    def add(self, entry: E) -> None:
        times = (to_ms(entry.created_at), to_ms(entry.updated_at), to_ms_or_none(entry.deleted_at))
        self._connections.get().execute(self._insert, (entry.id, *self._values(entry), *times))

    def get(self, entry_id: str) -> E | None:
        row = self._connections.get().execute(self._get, (entry_id,)).fetchone()
        return self._entry(row) if row is not None else None

    def latest(self, group: str, limit: int, before: str | None = None) -> list[E]:
        """The newest `limit` live entries of `group` (placed before entry `before`), oldest
        first."""
        if before is None:
            return self.page(group, limit)
        row = self._connections.get().execute(self._created_at, (before,)).fetchone()
        end = position_of_id(before) if row is None else Position(from_ms(row[0]), before)
        return self.page(group, limit, end)

    def page(self, group: str, limit: int, before: Position | None = None) -> list[E]:
        """The newest `limit` live entries of `group` placed before `before`, oldest first."""
        connection = self._connections.get()
        if before is None:
            rows = connection.execute(self._latest, (group, limit)).fetchall()
        else:
            rows = connection.execute(
                self._latest_before, (group, to_ms(before.at), before.id, limit)
            ).fetchall()
        return [self._entry(row) for row in reversed(rows)]

    def mark_deleted(self, entry_id: str, at: datetime) -> bool:
        cursor = self._connections.get().execute(
            self._mark_deleted, (to_ms(at), to_ms(at), entry_id)
        )
        return cursor.rowcount == 1
