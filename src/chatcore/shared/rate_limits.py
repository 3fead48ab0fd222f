"""Rates and the rule that admits requests under them: GCRA (the generic cell rate algorithm).

A `Rate` of `limit` per `period` admits a burst of `limit`, then one request every
`period / limit`: a token bucket of `limit` tokens refilled at `limit / period`, kept as
a single number per key, the theoretical arrival time (TAT) of the next request.

Two guarantees follow (tests/unit/test_rate_limits.py checks both):
- a sequence with at most `limit` requests in every window of `period` is never refused;
- in any window of `period`, at most `2 * limit` requests are admitted (one window's slack).
"""

import math
from typing import NamedTuple

import attrs

from chatcore.shared.errors import InvalidInput

# Float seconds drift by a few ulps over many additions; erring by a microsecond in the
# client's favour keeps a sequence that is exactly at the limit from being refused.
TOLERANCE = 1e-6


@attrs.frozen
class Rate:
    """At most `limit` requests per `period` seconds, from one key."""

    limit: int
    period: float
    # Seconds between requests once the burst is spent (kept: it is read on every request).
    interval: float = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.limit < 1 or not self.period > 0 or not math.isfinite(self.period):
            raise InvalidInput("A rate needs a limit of at least 1 and a positive period")
        object.__setattr__(self, "interval", self.period / self.limit)

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """`COUNT/SECONDS`, as in `20/60`; InvalidInput otherwise."""
        count, slash, seconds = text.partition("/")
        try:
            if not slash:
                raise ValueError(text)
            return cls(int(count), float(seconds))
        except ValueError:
            raise InvalidInput(
                f"{text!r} is not a rate: write COUNT/SECONDS, as in 20/60"
            ) from None

    def __str__(self) -> str:
        return f"{self.limit}/{self.period:g}"


class Admission(NamedTuple):
    """What `admit` decided: the key's new TAT when admitted, else how long to wait.

    A NamedTuple, not an attrs class: one is made per request, on the hot path.
    """

    admitted: bool
    tat: float
    retry_after: float = 0.0


def admit(tat: float | None, now: float, rate: Rate) -> Admission:
    """Judge one request at `now` (seconds) against a key whose TAT is `tat` (None: new)."""
    start = now if tat is None or tat < now else tat
    new_tat = start + rate.interval
    over = new_tat - now - rate.period
    if over > TOLERANCE:
        return Admission(admitted=False, tat=start, retry_after=over)
    return Admission(admitted=True, tat=new_tat)
