"""The thread that delivers the mail outbox in the background.

It claims the email due soonest (chatcore/mail_delivery.py), hands it to the transport,
and claims the next; with nothing due it sleeps until woken (a use case just queued an
email here) or until `poll_seconds` have passed, which is how retries come due and how
emails queued by other processes, or abandoned by a crash (their lease ran out), are found.

Nothing runs until `start`: building chatcore starts no thread. The thread is a daemon, so
an SMTP server that never answers cannot hold up the process's exit; an email it was
trying keeps its claim until the lease ends, then is tried again (here after a restart,
or by another process). It was not accepted, so it is not sent twice.
"""

import logging
import os
import secrets
import socket
import threading

from chatcore.mail.delivery import MailDelivery
from chatcore.mail.model import DeliveryState

log = logging.getLogger("chatcore.mail")


class MailSender:
    def __init__(self, delivery: MailDelivery, poll_seconds: float = 1.0) -> None:
        self.delivery = delivery
        self.poll_seconds = poll_seconds
        self.owner = ""
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        """Start the sending thread (once)."""
        if self._thread is not None:
            return
        # Unique per start: a restarted process must not mistake its old leases for its own.
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._send_forever, name="chatcore-mail", daemon=True
        )
        self._thread.start()

    def wake(self) -> None:
        """Look for email to send now rather than at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop after the email being tried, waiting up to `timeout` for it."""
        if self._thread is None:
            return
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout)
        self._thread = None

    def _send_forever(self) -> None:
        while not self._stopping.is_set():
            try:
                tried = self.delivery.deliver_next(self.owner)
            except Exception:
                log.exception("could not deliver from the mail outbox")
                tried = None
            if tried is not None:
                self._report(tried.id)
                continue
            if self._wake.wait(self.poll_seconds):
                self._wake.clear()

    def _report(self, email_id: str) -> None:
        email = self.delivery.queue.get(email_id)
        if email is None:
            return
        if email.state is DeliveryState.SENT:
            log.info("email %s to %s sent", email.id, email.email.to)
        elif email.state is DeliveryState.GIVEN_UP:
            log.error("email %s to %s given up after %d tries: %s",
                      email.id, email.email.to, email.attempts, email.last_error)  # fmt: skip
        else:
            log.warning("email %s to %s not sent (try %d, next at %s): %s", email.id,
                        email.email.to, email.attempts, email.due_at.isoformat(),
                        email.last_error)  # fmt: skip
