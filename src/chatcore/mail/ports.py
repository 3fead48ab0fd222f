"""What sending mail needs: a mailer, the transport at the outbox's far end, the outbox."""

from datetime import datetime
from typing import Protocol

from chatcore.mail.model import OutgoingEmail, QueuedEmail


class Mailer(Protocol):
    def send(self, email: OutgoingEmail) -> None:
        """Deliver `email`, or record why it could not be; never raise for delivery."""
        ...


class MailTransport(Protocol):
    """What hands an email to the world (an SMTP server, the log): the outbox's far end."""

    def deliver(self, email: OutgoingEmail, key: str) -> None:
        """Hand `email` over; return only once it was accepted, else raise MailNotDelivered.

        `key` is the same on every try of one queued email (the SMTP adapter builds the
        Message-ID from it), so a receiver can recognise a copy sent twice.
        """
        ...


class MailQueue(Protocol):
    """The outbox: emails kept durably until a sender has delivered or given them up.

    Claims are leases, as for repository ingestion: every change after a claim is fenced
    by its `owner`, so several senders (in any processes sharing the database) never both
    hold one email.
    """

    def enqueue(self, email: QueuedEmail) -> None:
        """Keep a new pending email; inside a unit of work, it commits with it."""
        ...

    def get(self, email_id: str) -> QueuedEmail | None: ...

    def depth(self) -> int:
        """How many emails are still to deliver (pending or being sent): the backlog."""
        ...

    def claim_next(self, owner: str, at: datetime, until: datetime) -> QueuedEmail | None:
        """Claim the email due soonest with `due_at` at or before `at`, for `owner` until `until`.

        Due: pending with its next try at or before `at`, or sending under a lease that
        ended by then. Atomic: the email becomes sending, owned by `owner`, `due_at` the
        lease's end, and its attempts go up by one in one step. None when nothing is due.
        """
        ...

    def mark_sent(self, email_id: str, owner: str, at: datetime) -> bool:
        """Record that the server accepted the email; False (nothing changed) if not `owner`'s."""
        ...

    def retry_later(self, email_id: str, owner: str, due_at: datetime, error: str) -> bool:
        """Put the email back as pending, due at `due_at`; fenced as `mark_sent`."""
        ...

    def give_up(self, email_id: str, owner: str, at: datetime, error: str) -> bool:
        """Stop trying the email for good; fenced as `mark_sent`."""
        ...
