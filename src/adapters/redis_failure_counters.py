"""Failure counts (login throttling) in Redis, so every server process sees the same ones.

A hash per key (count, last failure in ms), expiring `keep_for` after the last failure.
The synchronous client: the login use case runs on a worker thread, not the event loop.

If Redis cannot be reached the counters fail open, as the Redis rate limiter does: no
failures are known and none are kept, so logins go on (unthrottled) rather than all
failing; a warning is logged at most every 10 s, and /readyz says Redis is degraded.
"""

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import redis
from redis.exceptions import RedisError

from chatcore.accounts.ports import Failures

logger = logging.getLogger("chatcore.limits")

T = TypeVar("T")
_LOG_EVERY = 10.0  # seconds between two warnings that Redis is unreachable
# A login waits on these: a Redis that does not answer must not hold it for long.
_TIMEOUT_SECONDS = 1.0


class RedisFailureCounters:
    def __init__(self, url: str, prefix: str = "chatcore:failures:") -> None:
        self._client = redis.Redis.from_url(
            url, socket_timeout=_TIMEOUT_SECONDS, socket_connect_timeout=_TIMEOUT_SECONDS
        )
        self._prefix = prefix
        self._warned_at = -_LOG_EVERY

    def get(self, key: str) -> Failures | None:
        nothing: dict[bytes | str, bytes | str] = {}
        found = self._failing_open(lambda: self._client.hgetall(self._prefix + key), nothing)
        if not found:
            return None
        last_ms = int(found[b"last_ms"])
        return Failures(int(found[b"count"]), datetime.fromtimestamp(last_ms / 1000, UTC))

    def record(self, key: str, at: datetime, keep_for: timedelta) -> None:
        name = self._prefix + key

        def write() -> None:
            # MULTI/EXEC: the increment, the time and the expiry land together.
            with self._client.pipeline(transaction=True) as pipe:
                pipe.hincrby(name, "count", 1)
                pipe.hset(name, "last_ms", int(at.timestamp() * 1000))
                pipe.pexpire(name, int(keep_for.total_seconds() * 1000))
                pipe.execute()

        self._failing_open(write, None)

    def clear(self, key: str) -> None:
        self._failing_open(lambda: self._client.delete(self._prefix + key), None)

    def ping(self) -> None:
        """Returns when Redis answers; raises when it does not (for /readyz)."""
        self._client.ping()

    def close(self) -> None:
        self._client.close()

    def _failing_open(self, call: Callable[[], T], fallback: T) -> T:
        try:
            return call()
        except (RedisError, OSError) as error:
            now = time.monotonic()
            if now - self._warned_at >= _LOG_EVERY:
                self._warned_at = now
                logger.warning("login throttling not enforced: Redis unreachable (%s)", error)
            return fallback
