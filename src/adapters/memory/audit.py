from adapters.memory.journal import Journal
from chatcore.shared.audit import AuditEvent, AuditQuery


class MemoryAuditLog:
    def __init__(self, journal: Journal | None = None) -> None:
        self._events: list[AuditEvent] = []
        self._journal = journal or Journal()

    def record(self, event: AuditEvent) -> None:
        self._events.append(event)
        self._journal.record(lambda: self._events.remove(event))

    def query(self, query: AuditQuery) -> list[AuditEvent]:
        found = [event for event in reversed(self._events) if _matches(event, query)]
        return found[: query.limit]


def _matches(event: AuditEvent, query: AuditQuery) -> bool:
    return (
        (query.user_id is None or event.user_id == query.user_id)
        and (query.kind is None or event.kind == query.kind)
        and (query.since is None or event.at >= query.since)
    )
