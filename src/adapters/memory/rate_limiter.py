"""The in-process rate limiter: one process's counts, in a dict. The default."""

import time
from collections.abc import Callable, Sequence

from chatcore.shared.rate_limits import Rate, admit

# Entries are swept once the dict has doubled since the last sweep: O(1) amortized.
_FIRST_SWEEP = 1024


class MemoryRateLimiter:
    """GCRA over a dict of key → TAT. Never awaits, so no lock is needed on the event loop."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tats: dict[str, float] = {}
        self._sweep_at = _FIRST_SWEEP

    async def acquire(self, keys: Sequence[str], rate: Rate) -> float:
        return self.acquire_now(keys, rate)

    def acquire_now(self, keys: Sequence[str], rate: Rate) -> float:
        """`acquire`, for callers that are not coroutines (a WebSocket's own loop)."""
        now = self._clock()
        tats = self._tats
        if len(keys) == 1:  # the common case, without the lists
            key = keys[0]
            decision = admit(tats.get(key), now, rate)
            if not decision.admitted:
                return decision.retry_after
            tats[key] = decision.tat
        else:
            wait = 0.0
            decisions = []
            for key in keys:
                decision = admit(tats.get(key), now, rate)
                if decision.retry_after > wait:
                    wait = decision.retry_after
                decisions.append(decision)
            if wait > 0:
                return wait
            for key, decision in zip(keys, decisions, strict=True):
                tats[key] = decision.tat
        if len(tats) >= self._sweep_at:
            self._sweep(now)
        return 0.0

    async def close(self) -> None:
        """Nothing to release."""

    def _sweep(self, now: float) -> None:
        # A TAT in the past is the same as no entry at all: forgetting it changes nothing.
        self._tats = {key: tat for key, tat in self._tats.items() if tat > now}
        self._sweep_at = max(_FIRST_SWEEP, 2 * len(self._tats))
