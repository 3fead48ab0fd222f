"""The accounts' security events, written to the audit log as they happen."""

import attrs

from chatcore.accounts.model import User
from chatcore.shared.audit import AuditEvent, AuditKind
from chatcore.shared.ids import UserId
from chatcore.shared.ports import AuditLog, Clock, IdGenerator


@attrs.frozen
class SecurityEvents:
    audit: AuditLog
    ids: IdGenerator
    clock: Clock

    def record(
        self,
        kind: AuditKind,
        user_id: UserId | None,
        *,
        actor: User | None = None,
        address: str | None = None,
        **details: str,
    ) -> None:
        """Record a security event concerning `user_id`, caused by `actor` (if any)."""
        self.audit.record(
            AuditEvent(
                id=self.ids.new_id(),
                at=self.clock.now(),
                kind=kind,
                user_id=user_id,
                actor_id=None if actor is None else actor.id,
                address=address,
                details=details,
            )
        )
