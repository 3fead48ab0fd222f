"""Claims with a lease on rows of the artifacts table, one set of columns per kind of job:
repository ingestion (`status`, `lease_owner`, …) and text extraction (`text_status`, …).

A claim takes the oldest live row that is pending, or whose lease has run out, inside an
IMMEDIATE transaction (the write lock is held from the SELECT on, so no other process
claims the row between reading and updating it); renewing, releasing and finishing are
fenced by the holder's name.
"""

import sqlite3
from datetime import datetime

import attrs

from adapters.sqlite.connection import Connections
from adapters.sqlite.timestamps import to_ms


@attrs.frozen
class Leases:
    status: str  # the job's status column: 'pending' waits, `working` is claimed
    working: str
    owner: str
    expires: str
    attempts: str

    @property
    def held(self) -> str:
        """The condition of a row held by the owner given as its second parameter."""
        return f"id = ? AND {self.status} = '{self.working}' AND {self.owner} = ?"

    def claim_next(
        self, connections: Connections, owner: str, at: datetime, until: datetime
    ) -> tuple[sqlite3.Row, int] | None:
        """The claimed row (every column) and its attempts so far, or None."""
        status, expires, attempts = self.status, self.expires, self.attempts
        with connections.transaction() as connection:
            row = connection.execute(
                f"SELECT id FROM artifacts WHERE {status} IN ('pending', '{self.working}')"
                f" AND deleted_at IS NULL AND ({status} = 'pending' OR {expires} <= ?)"
                " ORDER BY id LIMIT 1",
                (to_ms(at),),
            ).fetchone()
            if row is None:
                return None
            connection.execute(
                f"UPDATE artifacts SET {status} = '{self.working}', {self.owner} = ?,"
                f" {expires} = ?, {attempts} = {attempts} + 1 WHERE id = ?",
                (owner, to_ms(until), row["id"]),
            )
            claimed = connection.execute(
                "SELECT * FROM artifacts WHERE id = ?", (row["id"],)
            ).fetchone()
        return claimed, claimed[attempts]

    def renew(self, connections: Connections, row_id: str, owner: str, until: datetime) -> bool:
        cursor = connections.get().execute(
            f"UPDATE artifacts SET {self.expires} = ? WHERE {self.held}",
            (to_ms(until), row_id, owner),
        )
        return cursor.rowcount == 1

    def release(self, connections: Connections, row_id: str, owner: str) -> bool:
        """Pending again, no lease, this attempt not counted."""
        cursor = connections.get().execute(
            f"UPDATE artifacts SET {self.status} = 'pending', {self.owner} = NULL,"
            f" {self.expires} = NULL, {self.attempts} = {self.attempts} - 1 WHERE {self.held}",
            (row_id, owner),
        )
        return cursor.rowcount == 1

    def finish(
        self,
        connection: sqlite3.Connection,
        row_id: str,
        owner: str,
        assignments: str,
        values: tuple[object, ...],
    ) -> bool:
        """Set the outcome (`assignments` with their `values`) and drop the lease, if the
        owner still holds it."""
        cursor = connection.execute(
            f"UPDATE artifacts SET {assignments}, {self.owner} = NULL, {self.expires} = NULL"
            f" WHERE {self.held}",
            (*values, row_id, owner),
        )
        return cursor.rowcount == 1
