"""The audit trail as log lines too: one JSON object per event on logger "chatcore.audit"."""

import json
import logging

from chatcore.audit import AuditEvent, AuditQuery
from chatcore.ports import AuditLog

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
        logger.info(json.dumps(event_fields(event), sort_keys=True))
        self._stored.record(event)

    def query(self, query: AuditQuery) -> list[AuditEvent]:
        return self._stored.query(query)
