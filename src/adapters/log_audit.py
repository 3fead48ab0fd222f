"""The audit trail as log lines too: one record per event on logger "chatcore.audit".

The event travels as structured data (`extra={"fields": {"audit": {...}}}`): the server's
JSON log writes it as an object inside the line, not as text to be parsed again.
"""

import logging

from chatcore.shared.audit import AuditEvent, AuditQuery
from chatcore.shared.ports import AuditLog

logger = logging.getLogger("chatcore.audit")


def event_fields(event: AuditEvent) -> dict[str, object]:
    """The event as a JSON object (what `chatcore audit` prints, too)."""
    return {
        "id": event.id,
        "at": event.at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "event": event.kind.value,
        "user_id": event.user_id,
        "actor_id": event.actor_id,
        "address": event.address,
        "details": event.details,
    }


class LoggedAuditLog:
    """Writes each event to the log, then keeps it in `stored` (the database's audit log)."""

    def __init__(self, stored: AuditLog) -> None:
        self._stored = stored

    def record(self, event: AuditEvent) -> None:
        logger.info("audit: %s", event.kind.value, extra={"fields": {"audit": event_fields(event)}})
        self._stored.record(event)

    def query(self, query: AuditQuery) -> list[AuditEvent]:
        return self._stored.query(query)
