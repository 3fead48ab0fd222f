import json
import sqlite3

from adapters.sqlite.connection import Connections
from adapters.sqlite.timestamps import from_ms, to_ms
from chatcore.shared.audit import AuditEvent, AuditKind, AuditQuery
from chatcore.shared.ids import UserId


class SqliteAuditLog:
    def __init__(self, connections: Connections) -> None:
        self._connections = connections

    def record(self, event: AuditEvent) -> None:
        self._connections.get().execute(
            "INSERT INTO audit_events (id, at, kind, user_id, actor_id, address, details)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                event.id,
                to_ms(event.at),
                event.kind.value,
                event.user_id,
                event.actor_id,
                event.address,
                json.dumps(event.details),
            ),
        )

    def query(self, query: AuditQuery) -> list[AuditEvent]:
        clauses: list[str] = []
        values: list[str | int] = []
        if query.user_id is not None:
            clauses.append("user_id = ?")
            values.append(query.user_id)
        if query.kind is not None:
            clauses.append("kind = ?")
            values.append(query.kind.value)
        if query.since is not None:
            clauses.append("at >= ?")
            values.append(to_ms(query.since))
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._connections.get().execute(
            f"SELECT * FROM audit_events{where} ORDER BY id DESC LIMIT ?",
            (*values, query.limit),
        )
        return [_to_event(row) for row in rows]


def _to_event(row: sqlite3.Row) -> AuditEvent:
    return AuditEvent(
        id=row["id"],
        at=from_ms(row["at"]),
        kind=AuditKind(row["kind"]),
        user_id=None if row["user_id"] is None else UserId(row["user_id"]),
        actor_id=None if row["actor_id"] is None else UserId(row["actor_id"]),
        address=row["address"],
        details=json.loads(row["details"]),
    )
