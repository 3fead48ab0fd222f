"""The Redis rate limiter: every server process sharing one Redis enforces one limit.

Each key holds its TAT (see chatcore.rate_limits) and expires when the TAT passes, so
Redis forgets idle clients by itself. One Lua script judges and updates all the keys of a
request atomically, in one round trip. Times are the callers' wall clocks: processes on
one host share it, and hosts kept by NTP differ by far less than a limit's period.

If Redis cannot be reached the request is admitted (and the failure logged): losing the
limits for a while is better than refusing every request.
"""

import logging
import time
from collections.abc import Callable, Sequence

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from chatcore.shared.rate_limits import TOLERANCE, Rate

logger = logging.getLogger("chatcore.limits")

# KEYS: the counters. ARGV: now, interval, period, tolerance (seconds, as strings).
# Mirrors chatcore.rate_limits.admit; numbers go back as strings, which Lua would truncate.
_ACQUIRE = """
local now, interval, period, tolerance =
    tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local wait = 0
local tats = {}
for i, key in ipairs(KEYS) do
    local tat = tonumber(redis.call('GET', key))
    if tat == nil or tat < now then tat = now end
    tats[i] = tat + interval
    local over = tats[i] - now - period
    if over > tolerance and over > wait then wait = over end
end
if wait > 0 then return string.format('%.17g', wait) end
for i, key in ipairs(KEYS) do
    local ttl = math.ceil((tats[i] - now) * 1000)
    redis.call('SET', key, string.format('%.17g', tats[i]), 'PX', math.max(ttl, 1))
end
return '0'
"""

_LOG_EVERY = 10.0  # seconds between two warnings that Redis is unreachable


class RedisRateLimiter:
    def __init__(
        self, url: str, prefix: str = "chatcore:rate:", clock: Callable[[], float] = time.time
    ) -> None:
        self._client = aioredis.Redis.from_url(url)
        self._script = self._client.register_script(_ACQUIRE)
        self._prefix = prefix
        self._clock = clock
        self._warned_at = -_LOG_EVERY

    async def acquire(self, keys: Sequence[str], rate: Rate) -> float:
        args = [repr(self._clock()), repr(rate.interval), repr(rate.period), repr(TOLERANCE)]
        try:
            wait = await self._script(keys=[self._prefix + key for key in keys], args=args)
        except (RedisError, OSError) as error:
            now = time.monotonic()
            if now - self._warned_at >= _LOG_EVERY:
                self._warned_at = now
                logger.warning("rate limits not enforced: Redis unreachable (%s)", error)
            return 0.0
        return float(wait)

    async def close(self) -> None:
        await self._client.aclose()
