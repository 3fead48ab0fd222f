"""A mailer that keeps what it is given: offline use, and tests that read the emails."""

import re
import threading

from chatcore.mail.model import OutgoingEmail

_TOKEN = re.compile(r"token=([A-Za-z0-9_.\-]+)")


class MemoryOutbox:
    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []
        self._lock = threading.Lock()

    def send(self, email: OutgoingEmail) -> None:
        with self._lock:
            self.sent.append(email)

    def token(self, to: str, subject: str) -> str:
        """The token in the latest email to `to` whose subject contains `subject`."""
        with self._lock:
            found = [e for e in self.sent if e.to == to and subject in e.subject]
        if not found:
            raise LookupError(f"no email {subject!r} to {to}")
        match = _TOKEN.search(found[-1].body)
        if match is None:
            raise LookupError(f"the latest email {subject!r} to {to} carries no token")
        return match.group(1)
