"""Login throttling: failed logins slow further tries down; they never lock anyone out.

Failures are counted per (account, address) and per address. After a few free failures
each further try must wait twice as long as the last, up to a cap, and the counts are
forgotten after a quiet while. There is deliberately no per-account count across all
addresses: an attacker failing on an account from elsewhere would lock its owner out.
So a correct password from an address with no failures of its own always gets through.
"""

import math
from datetime import datetime, timedelta

import attrs

from chatcore.accounts.model import normalize_email
from chatcore.accounts.ports import FailureCounters, Failures
from chatcore.shared.errors import TooManyRequests
from chatcore.shared.ports import Clock


@attrs.frozen
class Backoff:
    """`free` failures cost nothing; the n-th after them waits base·2ⁿ⁻¹, at most `cap`."""

    free: int
    base: timedelta = timedelta(seconds=1)
    cap: timedelta = timedelta(minutes=15)

    def wait(self, failures: Failures | None, now: datetime) -> timedelta:
        """How long from `now` until the next try is allowed (zero or less: now)."""
        if failures is None or failures.count < self.free:
            return timedelta(0)
        excess = min(failures.count - self.free, 30)  # 2**30 seconds is past any cap
        delay = min(self.cap, self.base * (1 << excess))
        return failures.last_at + delay - now

    @property
    def forget_after(self) -> timedelta:
        """A quiet while after which the failures no longer count."""
        return self.cap + timedelta(hours=1)


# The defaults, which the settings (CHATCORE_LOGIN_*) start from: a few typos of the
# owner's are free, and so are a whole office's behind one address.
PER_ACCOUNT = Backoff(free=5)
PER_ADDRESS = Backoff(free=50)


@attrs.define
class LoginThrottle:
    counters: FailureCounters
    clock: Clock
    per_account: Backoff = PER_ACCOUNT
    per_address: Backoff = PER_ADDRESS

    def check(self, email: str, address: str | None) -> None:
        """TooManyRequests if this account, from this address, must wait before a try."""
        now = self.clock.now()
        wait = self.per_account.wait(self.counters.get(self._account_key(email, address)), now)
        if address is not None:
            wait = max(wait, self.per_address.wait(self.counters.get(_address_key(address)), now))
        if wait > timedelta(0):
            seconds = max(1, math.ceil(wait.total_seconds()))
            raise TooManyRequests(
                f"Too many failed logins: try again in {seconds} seconds", retry_after=seconds
            )

    def failed(self, email: str, address: str | None) -> None:
        """Count a failed try against the account at this address, and the address."""
        now = self.clock.now()
        self.counters.record(self._account_key(email, address), now, self.per_account.forget_after)
        if address is not None:
            self.counters.record(_address_key(address), now, self.per_address.forget_after)

    def succeeded(self, email: str, address: str | None) -> None:
        """The owner got in from here: their failures here are forgiven (not the address's)."""
        self.counters.clear(self._account_key(email, address))

    def _account_key(self, email: str, address: str | None) -> str:
        # Unknown emails are counted alike, so throttling does not reveal who has an account.
        return f"login:{normalize_email(email)}|{address or '-'}"


def _address_key(address: str) -> str:
    return f"login-address:{address}"
