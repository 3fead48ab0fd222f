"""The mail outbox in memory: it lasts as long as the process, as the rest of a memory database."""

import threading
from datetime import datetime
from typing import Any

import attrs

from adapters.memory.journal import Journal
from chatcore.mail.model import DeliveryState, QueuedEmail

_DUE = (DeliveryState.PENDING, DeliveryState.SENDING)


class MemoryMailQueue:
    def __init__(self, journal: Journal | None = None) -> None:
        self._emails: dict[str, QueuedEmail] = {}
        self._lock = threading.Lock()
        self._journal = journal or Journal()

    def enqueue(self, email: QueuedEmail) -> None:
        with self._lock:
            self._journal.keep(self._emails, email.id, self._lock)
            self._emails[email.id] = email

    def get(self, email_id: str) -> QueuedEmail | None:
        with self._lock:
            return self._emails.get(email_id)

    def depth(self) -> int:
        with self._lock:
            return sum(1 for email in self._emails.values() if email.state in _DUE)

    def claim_next(self, owner: str, at: datetime, until: datetime) -> QueuedEmail | None:
        with self._lock:
            due = [e for e in self._emails.values() if e.state in _DUE and e.due_at <= at]
            if not due:
                return None
            first = min(due, key=lambda e: (e.due_at, e.id))
            claimed = attrs.evolve(
                first,
                state=DeliveryState.SENDING,
                owner=owner,
                due_at=until,
                attempts=first.attempts + 1,
            )
            self._journal.keep(self._emails, claimed.id, self._lock)
            self._emails[claimed.id] = claimed
            return claimed

    def mark_sent(self, email_id: str, owner: str, at: datetime) -> bool:
        return self._finish(email_id, owner, state=DeliveryState.SENT, finished_at=at)

    def retry_later(self, email_id: str, owner: str, due_at: datetime, error: str) -> bool:
        return self._finish(
            email_id, owner, state=DeliveryState.PENDING, due_at=due_at, last_error=error
        )

    def give_up(self, email_id: str, owner: str, at: datetime, error: str) -> bool:
        return self._finish(
            email_id, owner, state=DeliveryState.GIVEN_UP, finished_at=at, last_error=error
        )

    def _finish(self, email_id: str, owner: str, **changes: Any) -> bool:
        with self._lock:
            email = self._emails.get(email_id)
            if email is None or email.state is not DeliveryState.SENDING or email.owner != owner:
                return False
            self._journal.keep(self._emails, email_id, self._lock)
            self._emails[email_id] = attrs.evolve(email, owner=None, **changes)
            return True
