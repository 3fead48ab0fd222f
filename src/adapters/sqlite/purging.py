"""What purging shares across tables: finding rows deleted long enough ago, removing by id.

Each table has a partial index on deleted_at over its deleted rows only (schema: _PURGING),
so finding what is due costs in proportion to what was deleted, not to the table.
"""

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from adapters.sqlite.connection import Connections
from adapters.sqlite.timestamps import to_ms

# SQLite caps the variables of one statement (32,766 since 3.32); stay well below.
IDS_PER_STATEMENT = 500
ROWS_PER_STATEMENT = 1000


def deleted_before(
    connections: Connections, table: str, cutoff: datetime, limit: int
) -> list[sqlite3.Row]:
    """At most `limit` rows of `table` soft-deleted before `cutoff`, earliest deletion first."""
    return (
        connections.get()
        .execute(
            f"SELECT * FROM {table} WHERE deleted_at < ? ORDER BY deleted_at, id LIMIT ?",
            (to_ms(cutoff), limit),
        )
        .fetchall()
    )


def delete_where_in(
    connections: Connections,
    table: str,
    column: str,
    values: Sequence[str],
    where: str = "1",
) -> int:
    """Delete the rows of `table` whose `column` is one of `values` (and that match
    `where`); how many there were."""
    removed = 0
    with connections.transaction() as connection:
        for start in range(0, len(values), IDS_PER_STATEMENT):
            batch = values[start : start + IDS_PER_STATEMENT]
            marks = ", ".join("?" * len(batch))
            cursor = connection.execute(
                f"DELETE FROM {table} WHERE {column} IN ({marks}) AND {where}", tuple(batch)
            )
            removed += cursor.rowcount
    return removed


def delete_deleted_before(connections: Connections, table: str, cutoff: datetime) -> int:
    """Delete the rows of `table` soft-deleted before `cutoff`; how many there were."""
    # A batch per statement: each holds the write lock briefly, so requests writing
    # meanwhile wait milliseconds, not the whole purge.
    statement = (
        f"DELETE FROM {table} WHERE rowid IN"
        f" (SELECT rowid FROM {table} WHERE deleted_at < ? LIMIT {ROWS_PER_STATEMENT})"
    )
    removed = 0
    while True:
        deleted = connections.get().execute(statement, (to_ms(cutoff),)).rowcount
        removed += deleted
        if deleted < ROWS_PER_STATEMENT:
            return removed
