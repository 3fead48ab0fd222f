"""Ports every context uses: the time, new ids, and the audit trail."""

from datetime import datetime
from typing import Protocol

from chatcore.shared.audit import AuditEvent, AuditQuery


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC, to the millisecond."""
        ...


class IdGenerator(Protocol):
    def new_id(self) -> str:
        """A fresh 24-hex-character id; ids made later compare greater (as strings)."""
        ...


class AuditLog(Protocol):
    def record(self, event: AuditEvent) -> None:
        """Keep the event (and write it where operators read logs)."""
        ...

    def query(self, query: AuditQuery) -> list[AuditEvent]:
        """The events matching `query`, newest first."""
        ...
