"""The mail outbox as a table in the chatcore database, written in the callers' transactions."""

import sqlite3
from datetime import datetime

from adapters.sqlite.connection import Connections
from adapters.sqlite.timestamps import from_ms, from_ms_or_none, to_ms
from chatcore.mail.model import DeliveryState, OutgoingEmail, QueuedEmail

_COLUMNS = (
    "id, recipient, subject, body, queued_at, due_at, state, attempts, owner, last_error,"
    " finished_at"
)

_NEXT_DUE = (
    "SELECT id FROM mail_outbox WHERE state IN ('pending', 'sending')"
    " AND due_at <= ? ORDER BY due_at, id LIMIT 1"
)


class SqliteMailQueue:
    def __init__(self, connections: Connections) -> None:
        self._connections = connections

    def enqueue(self, email: QueuedEmail) -> None:
        # A plain INSERT: inside a unit of work it commits (or not) with the change.
        self._connections.get().execute(
            f"INSERT INTO mail_outbox ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                email.id,
                email.email.to,
                email.email.subject,
                email.email.body,
                to_ms(email.queued_at),
                to_ms(email.due_at),
                email.state.value,
                email.attempts,
                email.owner,
                email.last_error,
                None if email.finished_at is None else to_ms(email.finished_at),
            ),
        )

    def get(self, email_id: str) -> QueuedEmail | None:
        row = (
            self._connections.get()
            .execute(f"SELECT {_COLUMNS} FROM mail_outbox WHERE id = ?", (email_id,))
            .fetchone()
        )
        return None if row is None else _to_email(row)

    def depth(self) -> int:
        # Along the partial index of emails still to deliver.
        row = (
            self._connections.get()
            .execute("SELECT COUNT(*) FROM mail_outbox WHERE state IN ('pending', 'sending')")
            .fetchone()
        )
        return int(row[0])

    def claim_next(self, owner: str, at: datetime, until: datetime) -> QueuedEmail | None:
        # Senders poll every second: a read first, so that an idle poll never takes the
        # write lock that requests' writes wait on.
        if self._connections.get().execute(_NEXT_DUE, (to_ms(at),)).fetchone() is None:
            return None
        # IMMEDIATE: the write lock is held from the SELECT on, so no other sender (in any
        # process) can claim the row between reading and updating it.
        with self._connections.transaction() as connection:
            row = connection.execute(_NEXT_DUE, (to_ms(at),)).fetchone()
            if row is None:
                return None
            connection.execute(
                "UPDATE mail_outbox SET state = 'sending', owner = ?, due_at = ?,"
                " attempts = attempts + 1 WHERE id = ?",
                (owner, to_ms(until), row["id"]),
            )
            claimed = connection.execute(
                f"SELECT {_COLUMNS} FROM mail_outbox WHERE id = ?", (row["id"],)
            ).fetchone()
        return _to_email(claimed)

    def mark_sent(self, email_id: str, owner: str, at: datetime) -> bool:
        return self._finish(email_id, owner, "state = 'sent', finished_at = ?", (to_ms(at),))

    def retry_later(self, email_id: str, owner: str, due_at: datetime, error: str) -> bool:
        return self._finish(
            email_id, owner, "state = 'pending', due_at = ?, last_error = ?", (to_ms(due_at), error)
        )

    def give_up(self, email_id: str, owner: str, at: datetime, error: str) -> bool:
        return self._finish(
            email_id,
            owner,
            "state = 'given_up', finished_at = ?, last_error = ?",
            (to_ms(at), error),
        )

    def _finish(self, email_id: str, owner: str, changes: str, values: tuple[object, ...]) -> bool:
        cursor = self._connections.get().execute(
            f"UPDATE mail_outbox SET {changes}, owner = NULL"
            " WHERE id = ? AND state = 'sending' AND owner = ?",
            (*values, email_id, owner),
        )
        return cursor.rowcount == 1


def _to_email(row: sqlite3.Row) -> QueuedEmail:
    return QueuedEmail(
        id=row["id"],
        email=OutgoingEmail(to=row["recipient"], subject=row["subject"], body=row["body"]),
        queued_at=from_ms(row["queued_at"]),
        due_at=from_ms(row["due_at"]),
        state=DeliveryState(row["state"]),
        attempts=row["attempts"],
        owner=row["owner"],
        last_error=row["last_error"],
        finished_at=from_ms_or_none(row["finished_at"]),
    )
