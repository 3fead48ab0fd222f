"""A mailer that delivers through an SMTP server (smtplib)."""

import logging
import secrets
import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from chatcore.mail.model import MailNotDelivered, OutgoingEmail

logger = logging.getLogger("chatcore.mail")


class SmtpMailer:
    """Sends through `smtp://[user:pass@]host:port` (STARTTLS when offered) or `smtps://`."""

    def __init__(self, url: str, sender: str, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"Not an SMTP URL: {parts.scheme}://{parts.hostname or ''}")
        self._tls = parts.scheme == "smtps"
        self._host = parts.hostname
        self._port = parts.port or (465 if self._tls else 25)
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._sender = sender
        self._domain = sender.rpartition("@")[2] or "localhost"
        self._timeout = timeout

    def send(self, email: OutgoingEmail) -> None:
        """Deliver now, best effort: a host's direct mailer (chatcore queues its own emails)."""
        try:
            self.deliver(email, secrets.token_hex(12))
        except MailNotDelivered as error:
            # The account change already happened, and the user can ask again.
            logger.error("Could not send %r to %s: %s", email.subject, email.to, error)

    def deliver(self, email: OutgoingEmail, key: str) -> None:
        """Hand `email` to the server; MailNotDelivered unless it accepted it."""
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = email.to
        message["Subject"] = email.subject
        # The same on every try of one outbox entry: a copy sent twice (a crash between the
        # server's acceptance and our record of it) is recognisable as the same message.
        message["Message-ID"] = f"<{key}@{self._domain}>"
        message.set_content(email.body)
        try:
            with self._connect() as smtp:
                if self._username is not None:
                    smtp.login(self._username, self._password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise MailNotDelivered(f"{type(error).__name__}: {error}") from error

    def ping(self) -> None:
        """Returns when the server greets us and accepts our login; raises otherwise."""
        try:
            with self._connect() as smtp:
                if self._username is not None:
                    smtp.login(self._username, self._password or "")
                smtp.noop()
        except (OSError, smtplib.SMTPException) as error:
            raise MailNotDelivered(f"{type(error).__name__}: {error}") from error

    def _connect(self) -> smtplib.SMTP:
        if self._tls:
            return smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout)
        smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls()
            smtp.ehlo()
        return smtp
