"""Every mailer passes the public Mailer suite: the in-memory outbox, the log, and SMTP."""

import logging
from collections.abc import Iterator
from email.header import decode_header, make_header
from email.message import Message

import pytest

from adapters.log_mail import LogMailer
from adapters.memory import MemoryOutbox
from adapters.smtp_mail import SmtpMailer
from chatcore.mail.model import MailNotDelivered, OutgoingEmail
from chatcore.mail.ports import Mailer
from chatcore_embed.testing import Delivered, MailerContract, RemoteMailerContract
from tests.contract.api.server import SmtpServer
from tests.processes import free_port


class TestMemoryOutbox(MailerContract):
    @pytest.fixture
    def outbox(self) -> MemoryOutbox:
        return MemoryOutbox()

    @pytest.fixture
    def mailer(self, outbox: MemoryOutbox) -> Mailer:
        return outbox

    @pytest.fixture
    def delivered(self, outbox: MemoryOutbox) -> Delivered:
        return lambda: list(outbox.sent)


class TestLogMailer(MailerContract):
    @pytest.fixture
    def mailer(self) -> Mailer:
        return LogMailer()

    @pytest.fixture
    def delivered(self, caplog: pytest.LogCaptureFixture) -> Delivered:
        caplog.set_level(logging.INFO, logger="chatcore.mail")

        def read() -> list[OutgoingEmail]:
            records = [r for r in caplog.records if r.name == "chatcore.mail"]
            return [OutgoingEmail(*map(str, record.args or ())) for record in records]

        return read


def _as_sent(message: Message) -> OutgoingEmail:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return OutgoingEmail(
        to=str(message["To"]),
        subject=str(make_header(decode_header(str(message["Subject"])))),
        body=payload.decode(message.get_content_charset() or "utf-8"),
    )


class TestSmtpMailer(RemoteMailerContract):
    @pytest.fixture
    def smtp(self) -> Iterator[SmtpServer]:
        with SmtpServer() as server:
            yield server

    @pytest.fixture
    def mailer(self, smtp: SmtpServer) -> Mailer:
        return SmtpMailer(f"smtp://127.0.0.1:{smtp.port}", "noreply@example.com")

    @pytest.fixture
    def delivered(self, smtp: SmtpServer) -> Delivered:
        return lambda: [_as_sent(message) for message in smtp.mailbox.messages]

    @pytest.fixture
    def unreachable_mailer(self) -> Mailer:
        # Nothing listens on a port just found free: the connection is refused.
        return SmtpMailer(f"smtp://127.0.0.1:{free_port()}", "noreply@example.com", timeout=2)


def test_smtp_delivery_raises_unless_the_server_accepted() -> None:
    mailer = SmtpMailer(f"smtp://127.0.0.1:{free_port()}", "noreply@example.com", timeout=2)
    email = OutgoingEmail(to="jane@example.com", subject="Hello", body="Hi\n")
    with pytest.raises(MailNotDelivered):
        mailer.deliver(email, "0123456789abcdef01234567")


def test_every_try_of_one_queued_email_carries_the_same_message_id() -> None:
    with SmtpServer() as smtp:
        mailer = SmtpMailer(f"smtp://127.0.0.1:{smtp.port}", "noreply@chat.example.com")
        email = OutgoingEmail(to="jane@example.com", subject="Hello", body="Hi\n")
        mailer.deliver(email, "0123456789abcdef01234567")
        mailer.deliver(email, "0123456789abcdef01234567")
        mailer.deliver(email, "76543210fedcba9876543210")
        ids = [message["Message-ID"] for message in smtp.mailbox.messages]
    assert ids[0] == ids[1] == "<0123456789abcdef01234567@chat.example.com>"
    assert ids[2] != ids[0]
