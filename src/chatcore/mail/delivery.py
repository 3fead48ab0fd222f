"""The mail outbox: emails queued with the change that causes them, delivered in the background.

A use case "sends" an email through the `Mailer` port; behind it, `QueuedMailer` writes the
email into the `MailQueue` inside the use case's unit of work, so the email exists exactly
when the change that caused it does. `MailDelivery` then claims queued emails one at a
time, hands each to a `MailTransport` (SMTP, the log), and records the outcome.
"""

from collections.abc import Callable
from datetime import timedelta

import attrs

from chatcore.mail.model import MailNotDelivered, OutgoingEmail, QueuedEmail, RetrySchedule
from chatcore.mail.ports import MailQueue, MailTransport
from chatcore.shared.audit import AuditEvent, AuditKind
from chatcore.shared.ports import AuditLog, Clock, IdGenerator


@attrs.define
class QueuedMailer:
    """The `Mailer` the use cases call: puts the email in the outbox and returns at once.

    Call it inside the use case's unit of work: the email is then queued if and only if
    the change that caused it is stored. `on_queued` wakes the sender.
    """

    queue: MailQueue
    clock: Clock
    ids: IdGenerator
    on_queued: Callable[[], None] = lambda: None

    def send(self, email: OutgoingEmail) -> None:
        """Queue `email` for delivery in the background."""
        now = self.clock.now()
        self.queue.enqueue(
            QueuedEmail(id=self.ids.new_id(), email=email, queued_at=now, due_at=now)
        )
        self.on_queued()


@attrs.define
class MailDelivery:
    """Delivers the outbox: claim the oldest email due, try it, record the outcome."""

    queue: MailQueue
    transport: MailTransport
    clock: Clock
    ids: IdGenerator
    audit: AuditLog
    schedule: RetrySchedule = attrs.field(factory=RetrySchedule)
    # Longer than a try can take (the SMTP timeout applies to each exchange of a try):
    # a lease that ran out under a live try would let a second sender send it too.
    lease: timedelta = timedelta(minutes=5)

    def backlog(self) -> int:
        """How many emails are still to deliver (pending or being sent)."""
        return self.queue.depth()

    def deliver_next(self, owner: str) -> QueuedEmail | None:
        """Try to deliver the oldest email due now; the email as claimed, or None if none is due."""
        now = self.clock.now()
        claimed = self.queue.claim_next(owner, now, now + self.lease)
        if claimed is None:
            return None
        try:
            self.transport.deliver(claimed.email, claimed.id)
        except MailNotDelivered as error:
            self._failed(claimed, owner, str(error) or type(error).__name__)
            return claimed
        # Recorded the moment the server has accepted it: a crash before this line is the one
        # window in which an email can go out twice (docs/decisions.md, "Mail delivery").
        self.queue.mark_sent(claimed.id, owner, self.clock.now())
        return claimed

    def deliver_due(self, owner: str, limit: int = 100) -> int:
        """Try every email due now (at most `limit`); how many were tried."""
        tried = 0
        while tried < limit and self.deliver_next(owner) is not None:
            tried += 1
        return tried

    def _failed(self, claimed: QueuedEmail, owner: str, error: str) -> None:
        now = self.clock.now()
        if not self.schedule.gives_up_after(claimed.attempts):
            due = now + self.schedule.wait_after(claimed.attempts)
            self.queue.retry_later(claimed.id, owner, due, error)
            return
        if self.queue.give_up(claimed.id, owner, now, error):
            self.audit.record(
                AuditEvent(
                    id=self.ids.new_id(),
                    at=now,
                    kind=AuditKind.EMAIL_GIVEN_UP,
                    details={
                        "email_id": claimed.id,
                        "to": claimed.email.to,
                        "subject": claimed.email.subject,
                        "attempts": str(claimed.attempts),
                        "error": error,
                    },
                )
            )
