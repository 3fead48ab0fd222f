"""Failure counts (login throttling) in Redis, so every server process sees the same ones.

A hash per key (count, last failure in ms), expiring `keep_for` after the last failure.
The synchronous client: the login use case runs on a worker thread, not the event loop.
"""

from datetime import UTC, datetime, timedelta

import redis

from chatcore.login_throttle import Failures


class RedisFailureCounters:
    def __init__(self, url: str, prefix: str = "chatcore:failures:") -> None:
        self._client = redis.Redis.from_url(url)
        self._prefix = prefix

    def get(self, key: str) -> Failures | None:
        found = self._client.hgetall(self._prefix + key)
        if not found:
            return None
        last_ms = int(found[b"last_ms"])
        return Failures(int(found[b"count"]), datetime.fromtimestamp(last_ms / 1000, UTC))

    def record(self, key: str, at: datetime, keep_for: timedelta) -> None:
        name = self._prefix + key
        # MULTI/EXEC: the increment, the time and the expiry land together.
        with self._client.pipeline(transaction=True) as pipe:
            pipe.hincrby(name, "count", 1)
            pipe.hset(name, "last_ms", int(at.timestamp() * 1000))
            pipe.pexpire(name, int(keep_for.total_seconds() * 1000))
            pipe.execute()

    def clear(self, key: str) -> None:
        self._client.delete(self._prefix + key)

    def close(self) -> None:
        self._client.close()
