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
    connections: Connections, table: str, column: str, values: Sequence[str]
) -> int:
    """Delete the rows of `table` whose `column` is one of `values`; how many there were."""
    removed = 0
    with connections.transaction() as connection:
        for start in range(0, len(values), IDS_PER_STATEMENT):
            batch = values[start : start + IDS_PER_STATEMENT]
            marks = ", ".join("?" * len(batch))
            cursor = connection.execute(
                f"DELETE FROM {table} WHERE {column} IN ({marks})", tuple(batch)
            )
            removed += cursor.rowcount
    return removed


def delete_deleted_before(connections: Connections, table: str, cutoff: datetime) -> int:
    """Delete the rows of `table` soft-deleted before `cutoff`; how many there were."""
    cursor = connections.get().execute(
        f"DELETE FROM {table} WHERE deleted_at < ?", (to_ms(cutoff),)
    )
    return cursor.rowcount
