"""The audit trail: security events, as the use cases that cause them record them."""

from datetime import datetime
from enum import StrEnum

import attrs

from chatcore.shared.ids import UserId


class AuditKind(StrEnum):
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    REFRESH_REUSE_DETECTED = "refresh_reuse_detected"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"
    PASSWORD_RESET = "password_reset"
    ROLE_CHANGED = "role_changed"
    TIER_CHANGED = "tier_changed"
    ACTIVE_CHANGED = "active_changed"
    USER_DELETED = "user_deleted"
    CURRENT_PASSWORD_REJECTED = "current_password_rejected"
    PASSWORD_CHANGED = "password_changed"
    EMAIL_CHANGE_REQUESTED = "email_change_requested"
    EMAIL_CHANGED = "email_changed"
    EMAIL_CHANGE_UNDONE = "email_change_undone"
    EMAIL_GIVEN_UP = "email_given_up"  # the outbox stopped trying to deliver it
    PURGED = "purged"


@attrs.frozen
class AuditEvent:
    """One security event. `user_id` is whom it concerns; `actor_id` who caused it."""

    id: str
    at: datetime
    kind: AuditKind
    user_id: UserId | None = None
    actor_id: UserId | None = None
    address: str | None = None
    details: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen
class AuditQuery:
    """Which events to read, newest first: all filters optional, at most `limit`."""

    user_id: UserId | None = None
    kind: AuditKind | None = None
    since: datetime | None = None
    limit: int = 100
