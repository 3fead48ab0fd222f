"""A mailer that writes emails to the log: the default when no SMTP server is configured."""

import logging

from chatcore.mail.model import OutgoingEmail

logger = logging.getLogger("chatcore.mail")


class LogMailer:
    def send(self, email: OutgoingEmail) -> None:
        logger.info("Email to %s: %s\n%s", email.to, email.subject, email.body)

    def deliver(self, email: OutgoingEmail, key: str) -> None:
        """Write the email to the log: accepted as soon as it is written."""
        self.send(email)
