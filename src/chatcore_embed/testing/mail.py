"""The contract of `chatcore.ports.Mailer`: the emails chatcore sends arrive as written."""

from collections.abc import Callable

import pytest

from chatcore.accounts.emails import AccountEmails
from chatcore.mail.model import OutgoingEmail
from chatcore.mail.ports import Mailer
from chatcore_embed.testing.builders import a_user

# What a test reads back: every email delivered so far, oldest first.
Delivered = Callable[[], list[OutgoingEmail]]

_EMAILS = AccountEmails(public_url="https://chat.example.com/app")


def _words(text: str) -> list[str]:
    # Transports rewrap line endings and trailing blanks (SMTP sends CRLF); words survive.
    return text.split()


class MailerContract:
    """What every Mailer promises; an adapter is done when this suite passes.

    Subclass it in a test module (`class Test…(MailerContract)`) and define two fixtures:
    `mailer`, the adapter under test, and `delivered`, a callable answering the emails
    that have reached the other side so far, oldest first, read back from there.
    """

    @pytest.fixture
    def mailer(self) -> Mailer:
        pytest.fail(f"{type(self).__name__} must define the `mailer` fixture", pytrace=False)

    @pytest.fixture
    def delivered(self) -> Delivered:
        pytest.fail(f"{type(self).__name__} must define the `delivered` fixture", pytrace=False)

    def test_a_verification_email_arrives_whole(self, mailer: Mailer, delivered: Delivered) -> None:
        email = _EMAILS.verification(a_user(email="jane@example.com"), "tok.en-1_x")
        mailer.send(email)
        [received] = [e for e in delivered() if e.to == "jane@example.com"]
        assert received.subject == email.subject
        assert _words(received.body) == _words(email.body)
        assert "https://chat.example.com/app/auths/verify-email?token=tok.en-1_x" in received.body

    def test_names_outside_ascii_survive(self, mailer: Mailer, delivered: Delivered) -> None:
        email = OutgoingEmail(
            to="zoe@example.com", subject="Réinitialiser · 再設定", body="Bonjour Zoë 👋\n"
        )
        mailer.send(email)
        [received] = [e for e in delivered() if e.to == "zoe@example.com"]
        assert received.subject == email.subject
        assert _words(received.body) == _words(email.body)

    def test_emails_arrive_in_the_order_sent(self, mailer: Mailer, delivered: Delivered) -> None:
        addresses = [f"reader{n}@example.com" for n in range(3)]
        for address in addresses:
            mailer.send(_EMAILS.password_reset(a_user(email=address), "token"))
        assert [e.to for e in delivered() if e.to in addresses] == addresses


class RemoteMailerContract(MailerContract):
    """MailerContract, for mailers that hand emails to something that can be down.

    Also define `unreachable_mailer`: the same adapter, set up so that delivery fails.
    """

    @pytest.fixture
    def unreachable_mailer(self) -> Mailer:
        pytest.fail(
            f"{type(self).__name__} must define the `unreachable_mailer` fixture", pytrace=False
        )

    def test_a_failed_delivery_does_not_raise(self, unreachable_mailer: Mailer) -> None:
        # The account change that sent the email has happened: mail is best effort.
        email = _EMAILS.verification(a_user(), "token")
        unreachable_mailer.send(email)
