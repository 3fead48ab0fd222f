"""The FailureCounters port (login throttling): in-process and Redis count alike."""

import logging
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from redis.exceptions import RedisError

from adapters.memory.failure_counters import MemoryFailureCounters
from adapters.redis_failure_counters import RedisFailureCounters
from chatcore.accounts.ports import Failures
from tests.redis_server import RedisServer

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(params=["memory", "redis"])
def counters(request: pytest.FixtureRequest) -> Any:
    if request.param == "memory":
        return MemoryFailureCounters()
    return RedisFailureCounters(
        request.getfixturevalue("redis_url"), prefix=f"test:{uuid.uuid4().hex}:"
    )


def test_failures_count_up_and_clear(counters: Any) -> None:
    assert counters.get("k") is None
    counters.record("k", NOW, timedelta(hours=1))
    counters.record("k", NOW + timedelta(seconds=3), timedelta(hours=1))
    assert counters.get("k") == Failures(2, NOW + timedelta(seconds=3))
    assert counters.get("other") is None
    counters.clear("k")
    assert counters.get("k") is None


def test_failures_are_forgotten_after_keep_for(counters: Any) -> None:
    # Real time: Redis expires keys by its own clock.
    now = datetime.now(UTC).replace(microsecond=0)
    counters.record("k", now, timedelta(milliseconds=200))
    time.sleep(0.3)
    if isinstance(counters, MemoryFailureCounters):
        counters.record("k", now + timedelta(seconds=1), timedelta(hours=1))
        assert counters.get("k") == Failures(1, now + timedelta(seconds=1))
    else:
        assert counters.get("k") is None


def test_redis_counters_fail_open_when_redis_goes_away(caplog: pytest.LogCaptureFixture) -> None:
    redis_server = RedisServer().start()
    counters = RedisFailureCounters(redis_server.url)
    try:
        counters.record("k", NOW, timedelta(hours=1))
        assert counters.get("k") == Failures(1, NOW)
        counters.ping()
        redis_server.stop()
        with caplog.at_level(logging.WARNING, logger="chatcore.limits"):
            # Nothing known, nothing kept, nothing raised: logins go on unthrottled.
            assert counters.get("k") is None
            counters.record("k", NOW, timedelta(hours=1))
            counters.clear("k")
        warnings = [r for r in caplog.records if r.name == "chatcore.limits"]
        assert len(warnings) == 1  # at most one every 10 s
        assert "login throttling not enforced: Redis unreachable" in warnings[0].getMessage()
        with pytest.raises(RedisError):
            counters.ping()  # what /readyz asks
    finally:
        counters.close()
        redis_server.stop()
