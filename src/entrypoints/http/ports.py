"""Ports only the HTTP edge uses: the rate limiter its middleware counts requests with, and
the broker that carries room events (and sign-outs) between server processes.

The broker's Protocol is declared with the rooms (`chatcore.rooms.ports`), where the
domain's deprecated `chatcore.RoomBroker` can still reach it without importing outward;
no use case takes it, and it is not in `chatcore.Ports`.
"""

from collections.abc import Sequence
from typing import Protocol

from chatcore.rooms.ports import RoomBroker
from chatcore.shared.rate_limits import Rate

__all__ = ["RateLimiter", "RoomBroker"]


class RateLimiter(Protocol):
    """Counts requests per key under a `Rate` (GCRA), shared by every process it serves."""

    async def acquire(self, keys: Sequence[str], rate: Rate) -> float:
        """Count one request against every key, if each admits it: then 0.0.

        Otherwise count nothing and return the seconds until all would admit it. Atomic:
        concurrent callers (in any process sharing the limiter) never overshoot together.
        """
        ...

    async def close(self) -> None: ...
