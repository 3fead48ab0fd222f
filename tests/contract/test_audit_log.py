"""The AuditLog port: every database keeps security events and reads them back alike."""

from datetime import UTC, datetime, timedelta
from typing import Any

from chatcore.shared.audit import AuditEvent, AuditKind, AuditQuery
from chatcore.shared.ids import UserId
from tests.builders import new_id

START = datetime(2025, 11, 4, 10, 0, tzinfo=UTC)


def event(kind: AuditKind, user: str | None, minutes: int, **details: str) -> AuditEvent:
    return AuditEvent(
        id=new_id(),
        at=START + timedelta(minutes=minutes),
        kind=kind,
        user_id=None if user is None else UserId(user),
        actor_id=UserId(new_id()),
        address="198.51.100.7",
        details=details,
    )


def test_events_read_back_whole_and_newest_first(database: Any) -> None:
    user = new_id()
    first = event(AuditKind.LOGIN_FAILED, user, 0, reason="wrong password", email="a@b.co")
    second = event(AuditKind.LOGIN_SUCCEEDED, user, 1)
    for item in (first, second):
        database.audit.record(item)
    assert database.audit.query(AuditQuery()) == [second, first]


def test_events_filter_by_user_kind_and_time(database: Any) -> None:
    me, other = new_id(), new_id()
    events = [
        event(AuditKind.LOGIN_FAILED, me, 0),
        event(AuditKind.ROLE_CHANGED, me, 5, before="user", after="admin"),
        event(AuditKind.LOGIN_FAILED, other, 10),
        event(AuditKind.LOGIN_FAILED, None, 15, email="nobody@example.com"),
    ]
    for item in events:
        database.audit.record(item)
    assert database.audit.query(AuditQuery(user_id=UserId(me))) == [events[1], events[0]]
    failed = database.audit.query(AuditQuery(kind=AuditKind.LOGIN_FAILED))
    assert failed == [events[3], events[2], events[0]]
    since = database.audit.query(AuditQuery(since=START + timedelta(minutes=5)))
    assert since == [events[3], events[2], events[1]]
    assert database.audit.query(AuditQuery(limit=1)) == [events[3]]
    assert database.audit.query(AuditQuery(user_id=UserId(new_id()))) == []
