"""The RateLimiter port: the in-process and the Redis adapter judge alike."""

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.memory.rate_limiter import MemoryRateLimiter
from adapters.redis_rate_limiter import RedisRateLimiter
from chatcore.shared.rate_limits import Rate

EPOCH = 1_760_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = EPOCH

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


class Limiter:
    """An adapter and the one event loop its calls run on (Redis connections keep to one)."""

    def __init__(self, adapter: Any) -> None:
        self.adapter = adapter
        self.loop = asyncio.Runner()

    def acquire(self, keys: list[str], rate: Rate) -> float:
        wait: float = self.loop.run(self.adapter.acquire(keys, rate))
        return wait


@pytest.fixture(params=["memory", "redis"])
def limiter(request: pytest.FixtureRequest, clock: Clock) -> Iterator[Limiter]:
    if request.param == "memory":
        adapter: Any = MemoryRateLimiter(clock)
    else:
        # A prefix of its own: tests share the server, never each other's counters.
        adapter = RedisRateLimiter(
            request.getfixturevalue("redis_url"), prefix=f"test:{uuid.uuid4().hex}:", clock=clock
        )
    wrapped = Limiter(adapter)
    yield wrapped
    if request.param == "redis":
        wrapped.loop.run(adapter.close())
    wrapped.loop.close()


def acquire(limiter: Limiter, keys: list[str], rate: Rate) -> float:
    return limiter.acquire(keys, rate)


def test_a_burst_is_admitted_then_refused_with_the_wait(limiter: Limiter, clock: Clock) -> None:
    rate = Rate(3, 30.0)
    assert [acquire(limiter, ["a"], rate) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert acquire(limiter, ["a"], rate) == pytest.approx(10.0)
    clock.now += 4
    assert acquire(limiter, ["a"], rate) == pytest.approx(6.0)
    clock.now += 6
    assert acquire(limiter, ["a"], rate) == 0.0


def test_keys_are_counted_apart(limiter: Limiter) -> None:
    rate = Rate(1, 60.0)
    assert acquire(limiter, ["a"], rate) == 0.0
    assert acquire(limiter, ["b"], rate) == 0.0
    assert acquire(limiter, ["a"], rate) > 0


def test_a_request_refused_by_one_key_counts_against_none(limiter: Limiter, clock: Clock) -> None:
    rate = Rate(2, 60.0)
    acquire(limiter, ["address"], rate)
    acquire(limiter, ["address"], rate)
    assert acquire(limiter, ["address", "account"], rate) == pytest.approx(30.0)
    # "account" was not charged by the refused request: its whole burst is left.
    assert acquire(limiter, ["account"], rate) == 0.0
    assert acquire(limiter, ["account"], rate) == 0.0
    assert acquire(limiter, ["account"], rate) > 0


def test_the_most_charged_key_says_when_to_return(limiter: Limiter, clock: Clock) -> None:
    rate = Rate(2, 10.0)
    acquire(limiter, ["a"], rate)
    acquire(limiter, ["a"], rate)
    acquire(limiter, ["b"], rate)
    assert acquire(limiter, ["b", "a"], rate) == pytest.approx(5.0)
    clock.now += 5
    assert acquire(limiter, ["a", "b"], rate) == 0.0


def test_idle_keys_expire_in_redis(redis_url: str) -> None:
    # Redis forgets a key once its TAT has passed: the store does not grow without bound.
    import redis

    prefix = f"test:{uuid.uuid4().hex}:"
    adapter = RedisRateLimiter(redis_url, prefix=prefix)
    with asyncio.Runner() as loop:
        loop.run(adapter.acquire(["k"], Rate(10, 1.0)))
        loop.run(adapter.close())
    ttl = redis.Redis.from_url(redis_url).pttl(prefix + "k")
    assert 0 < ttl <= 100
