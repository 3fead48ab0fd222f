"""Ports only the HTTP edge uses: the rate limiter its middleware counts requests with, and
the broker that carries room events (and sign-outs) between server processes."""

from collections.abc import Callable, Sequence
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


class RoomBroker(Protocol):
    """Carries room events between the connections of every server process.

    Events are JSON text, serialized once by the sender and delivered as is. Each process
    has one listener (`deliver`), and joins the rooms its connections are in.
    """

    async def start(self, deliver: Callable[[str, str], None]) -> None:
        """Begin delivering events of joined rooms as deliver(room, event)."""
        ...

    async def join(self, room: str) -> None:
        """Receive the events of `room` from now on."""
        ...

    async def leave(self, room: str) -> None: ...

    async def publish(self, room: str, event: str) -> None:
        """Send `event` to every process that has joined `room` (this one included)."""
        ...

    async def close(self) -> None: ...
