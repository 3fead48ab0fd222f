"""A host's own mailer, proven by chatcore's Mailer contract suite, then put to use."""

import logging
import queue

import pytest

import chatcore
from chatcore_embed import build
from chatcore_embed.testing import Delivered, RemoteMailerContract

logger = logging.getLogger("host.notifications")
Jobs = queue.Queue[chatcore.OutgoingEmail]


class QueueMailer:
    """Hands chatcore's emails to the host's notification worker, through its job queue."""

    def __init__(self, jobs: Jobs) -> None:
        self._jobs = jobs

    def send(self, email: chatcore.OutgoingEmail) -> None:
        try:
            self._jobs.put_nowait(email)
        except queue.Full:
            # A Mailer never raises: the account change that sent the email has happened.
            logger.error("Notification queue full: %r to %s dropped", email.subject, email.to)


class TestQueueMailer(RemoteMailerContract):
    @pytest.fixture
    def jobs(self) -> Jobs:
        return queue.Queue()

    @pytest.fixture
    def mailer(self, jobs: Jobs) -> chatcore.Mailer:
        return QueueMailer(jobs)

    @pytest.fixture
    def delivered(self, jobs: Jobs) -> Delivered:
        return lambda: list(jobs.queue)

    @pytest.fixture
    def unreachable_mailer(self) -> chatcore.Mailer:
        full: Jobs = queue.Queue(maxsize=1)
        full.put_nowait(chatcore.OutgoingEmail("someone@example.com", "Earlier", "…"))
        return QueueMailer(full)


def test_chatcore_sends_its_emails_through_the_host_mailer() -> None:
    jobs: Jobs = queue.Queue()
    with build(database_url="memory://", mailer=QueueMailer(jobs)) as runtime:
        runtime.core.auth.register("jane", "jane@example.com", "a long password")
    assert jobs.get_nowait().subject == "Verify your email address"
