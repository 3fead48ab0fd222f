"""The outbox's entities: a queued email, where its delivery stands, and the retry rule."""

from datetime import datetime, timedelta
from enum import StrEnum

import attrs


@attrs.frozen
class OutgoingEmail:
    to: str
    subject: str
    body: str


class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for its first try, or for its next one
    SENDING = "sending"  # claimed by a sender, whose lease ends at `due_at`
    SENT = "sent"  # accepted by the mail server: never sent again
    GIVEN_UP = "given_up"  # failed too many times: audited, never tried again


@attrs.frozen
class QueuedEmail:
    """One email in the outbox, and where its delivery stands."""

    id: str
    email: OutgoingEmail
    queued_at: datetime
    # When it may next be claimed: its next try while pending, its lease's end while sending
    # (so an email whose sender died is due again once the lease runs out).
    due_at: datetime
    state: DeliveryState = DeliveryState.PENDING
    # Tries begun so far; a claim counts one, so a sender that crashes mid-try still counts.
    attempts: int = 0
    owner: str | None = None
    last_error: str | None = None
    finished_at: datetime | None = None


class MailNotDelivered(Exception):
    """The mail server did not accept the email (unreachable, timed out, refused it)."""


@attrs.frozen
class RetrySchedule:
    """Waits that double from `first_wait` up to `max_wait`, for `max_attempts` tries.

    The defaults wait 1, 2, 4, 8, 16 s, then 30 s between tries: 125 tries span 3,601 s,
    so an email is given up only after more than an hour of failures (API-DECISIONS).
    """

    first_wait: timedelta = timedelta(seconds=1)
    max_wait: timedelta = timedelta(seconds=30)
    max_attempts: int = 125

    def wait_after(self, attempts: int) -> timedelta:
        """How long to wait before the next try, after `attempts` failed ones."""
        # Capped exponent: 2**attempts would be a huge number long before it mattered.
        doublings = min(max(attempts - 1, 0), 30)
        return min(self.first_wait * (1 << doublings), self.max_wait)

    def gives_up_after(self, attempts: int) -> bool:
        """True when `attempts` failed tries are all an email gets."""
        return attempts >= self.max_attempts
