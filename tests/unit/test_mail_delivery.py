"""Delivering the outbox: retries with growing waits, giving up after an hour, never twice."""

import itertools
from datetime import timedelta

import pytest

from adapters.memory import ManualClock
from adapters.memory.audit import MemoryAuditLog
from adapters.memory.mail_queue import MemoryMailQueue
from adapters.object_ids import ObjectIdGenerator
from chatcore.mail.delivery import MailDelivery, QueuedMailer
from chatcore.mail.model import DeliveryState, MailNotDelivered, OutgoingEmail, RetrySchedule
from chatcore.shared.audit import AuditKind, AuditQuery


class Transport:
    """A mail server that is down until told otherwise, and keeps what it accepts."""

    def __init__(self) -> None:
        self.down = False
        self.accepted: list[tuple[OutgoingEmail, str]] = []

    def deliver(self, email: OutgoingEmail, key: str) -> None:
        if self.down:
            raise MailNotDelivered("Connection refused")
        self.accepted.append((email, key))


@pytest.fixture
def transport() -> Transport:
    return Transport()


@pytest.fixture
def queue() -> MemoryMailQueue:
    return MemoryMailQueue()


@pytest.fixture
def audit() -> MemoryAuditLog:
    return MemoryAuditLog()


@pytest.fixture
def delivery(
    queue: MemoryMailQueue, transport: Transport, clock: ManualClock, audit: MemoryAuditLog
) -> MailDelivery:
    return MailDelivery(queue, transport, clock, ObjectIdGenerator(), audit)


@pytest.fixture
def mailer(queue: MemoryMailQueue, clock: ManualClock) -> QueuedMailer:
    return QueuedMailer(queue, clock, ObjectIdGenerator())


EMAIL = OutgoingEmail(to="jane@example.com", subject="Reset your password", body="token=x\n")


def test_the_waits_grow_to_30_seconds_and_tries_span_more_than_an_hour() -> None:
    schedule = RetrySchedule()
    waits = [schedule.wait_after(n).total_seconds() for n in range(1, schedule.max_attempts)]
    assert waits[:7] == [1, 2, 4, 8, 16, 30, 30]
    assert max(waits) == 30
    assert sum(waits) >= 3600
    assert not schedule.gives_up_after(schedule.max_attempts - 1)
    assert schedule.gives_up_after(schedule.max_attempts)


def test_sending_only_queues_and_a_sender_delivers_once(
    mailer: QueuedMailer, delivery: MailDelivery, transport: Transport, queue: MemoryMailQueue
) -> None:
    woken: list[bool] = []
    mailer.on_queued = lambda: woken.append(True)
    mailer.send(EMAIL)
    assert transport.accepted == [] and woken == [True]
    assert delivery.deliver_due("sender") == 1
    [(email, key)] = transport.accepted
    assert email == EMAIL
    assert queue.get(key).state is DeliveryState.SENT  # type: ignore[union-attr]
    assert delivery.deliver_due("sender") == 0
    assert len(transport.accepted) == 1


def test_a_failed_email_is_retried_after_its_wait_and_arrives_once(
    mailer: QueuedMailer, delivery: MailDelivery, transport: Transport, clock: ManualClock
) -> None:
    transport.down = True
    mailer.send(EMAIL)
    for wait in (1, 2, 4):
        assert delivery.deliver_due("sender") == 1
        clock.advance(timedelta(seconds=wait) - timedelta(milliseconds=1))
        assert delivery.deliver_due("sender") == 0  # not yet due
        clock.advance(timedelta(milliseconds=1))
    transport.down = False
    assert delivery.deliver_due("sender") == 1
    assert [email for email, _ in transport.accepted] == [EMAIL]
    clock.advance(timedelta(hours=2))
    assert delivery.deliver_due("sender") == 0


def test_an_email_failing_for_an_hour_is_given_up_and_audited(
    mailer: QueuedMailer,
    delivery: MailDelivery,
    transport: Transport,
    clock: ManualClock,
    audit: MemoryAuditLog,
    queue: MemoryMailQueue,
) -> None:
    transport.down = True
    mailer.send(EMAIL)
    started = clock.now()
    tries = []
    while (tried := delivery.deliver_next("sender")) is not None:
        tries.append(clock.now())
        waiting = queue.get(tried.id)
        assert waiting is not None
        if waiting.state is DeliveryState.GIVEN_UP:
            break
        clock.advance(waiting.due_at - clock.now())  # straight to the next try
    waits = [later - earlier for earlier, later in itertools.pairwise(tries)]
    assert max(waits) == timedelta(seconds=30)
    assert tries[-1] - started >= timedelta(hours=1)
    clock.advance(timedelta(hours=1))
    assert delivery.deliver_due("sender") == 0
    last = tried
    given_up = queue.get(last.id)
    assert given_up is not None and given_up.state is DeliveryState.GIVEN_UP
    assert given_up.attempts == RetrySchedule().max_attempts
    assert given_up.finished_at is not None
    assert given_up.finished_at - started >= timedelta(hours=1)
    [event] = audit.query(AuditQuery(kind=AuditKind.EMAIL_GIVEN_UP))
    assert event.details["to"] == "jane@example.com"
    assert event.details["attempts"] == "125"
    assert event.details["error"] == "Connection refused"
    transport.down = False
    assert delivery.deliver_due("sender") == 0 and transport.accepted == []


def test_a_crashed_senders_email_is_tried_again_once_its_lease_ends(
    mailer: QueuedMailer,
    delivery: MailDelivery,
    transport: Transport,
    clock: ManualClock,
    queue: MemoryMailQueue,
) -> None:
    mailer.send(EMAIL)
    # A sender claims it and dies before trying.
    abandoned = queue.claim_next("crashed", clock.now(), clock.now() + delivery.lease)
    assert abandoned is not None
    assert delivery.deliver_due("sender") == 0
    clock.advance(delivery.lease)
    assert delivery.deliver_due("sender") == 1
    assert [key for _, key in transport.accepted] == [abandoned.id]
