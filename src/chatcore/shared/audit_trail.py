"""Reading the audit trail back: what an operator asks of the security events."""

import attrs

from chatcore.shared.audit import AuditEvent, AuditQuery
from chatcore.shared.ports import AuditLog


@attrs.define
class AuditTrail:
    audit: AuditLog

    def events(self, query: AuditQuery) -> list[AuditEvent]:
        """The events `query` selects, newest first."""
        return self.audit.query(query)
