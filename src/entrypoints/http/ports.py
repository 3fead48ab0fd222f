"""Ports only the HTTP edge uses: the rate limiter its middleware counts requests with."""

from collections.abc import Sequence
from typing import Protocol

from chatcore.shared.rate_limits import Rate


class RateLimiter(Protocol):
    """Counts requests per key under a `Rate` (GCRA), shared by every process it serves."""

    async def acquire(self, keys: Sequence[str], rate: Rate) -> float:
        """Count one request against every key, if each admits it: then 0.0.

        Otherwise count nothing and return the seconds until all would admit it. Atomic:
        concurrent callers (in any process sharing the limiter) never overshoot together.
        """
        ...

    async def close(self) -> None: ...
