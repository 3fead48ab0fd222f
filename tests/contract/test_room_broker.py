"""Every room broker keeps the same contract: the in-process one and the Redis one.

Where a test shows that something is *not* delivered, it publishes a marker to a joined
room afterwards and waits for it: one publisher's events arrive in order, so once the
marker is in, anything that was going to arrive before it has.
"""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import pytest

from adapters.memory_broker import MemoryRoomBroker
from adapters.redis_broker import RedisRoomBroker

pytestmark = pytest.mark.anyio

TIMEOUT = 5


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Listener:
    """One process's `deliver`: it keeps what arrives, and lets a test wait for it."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self._arrived = anyio.Event()

    def __call__(self, room: str, event: str) -> None:
        self.events.append((room, event))
        self._arrived.set()

    async def wait_for(self, count: int) -> list[tuple[str, str]]:
        """The first `count` events, once they have all arrived."""
        with anyio.fail_after(TIMEOUT):
            while len(self.events) < count:
                self._arrived = anyio.Event()
                await self._arrived.wait()
        return self.events[:count]


BrokerFactory = Callable[[Listener], Awaitable[Any]]


@pytest.fixture(params=["memory", "redis"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def start_broker(
    kind: str, request: pytest.FixtureRequest, anyio_backend: str
) -> AsyncIterator[BrokerFactory]:
    """Start a broker (one per simulated server process) delivering to a listener."""
    started: list[Any] = []
    # Each test has channels of its own on the session's Redis server.
    prefix = f"chatcore-test:{uuid.uuid4().hex}:"

    async def start(listener: Listener) -> Any:
        broker: Any
        if kind == "memory":
            broker = MemoryRoomBroker()
        else:
            broker = RedisRoomBroker(request.getfixturevalue("redis_url"), channel_prefix=prefix)
        await broker.start(listener)
        started.append(broker)
        return broker

    yield start
    for broker in started:
        await broker.close()


async def test_an_event_reaches_the_joined_room_as_is(start_broker: BrokerFactory) -> None:
    listener = Listener()
    broker = await start_broker(listener)
    await broker.join("général")
    event = '{"type": "message", "content": "Grüße, 世界! 👋 \\"quoted\\""}'
    await broker.publish("général", event)
    assert await listener.wait_for(1) == [("général", event)]


async def test_events_of_rooms_not_joined_are_not_delivered(start_broker: BrokerFactory) -> None:
    listener = Listener()
    broker = await start_broker(listener)
    await broker.join("joined")
    await broker.publish("elsewhere", '{"n": 1}')
    await broker.publish("joined", '{"marker": true}')
    assert await listener.wait_for(1) == [("joined", '{"marker": true}')]
    assert len(listener.events) == 1


async def test_nothing_arrives_after_leave(start_broker: BrokerFactory) -> None:
    listener = Listener()
    broker = await start_broker(listener)
    await broker.join("left")
    await broker.join("stays")
    await broker.publish("left", '{"before": true}')
    assert await listener.wait_for(1) == [("left", '{"before": true}')]

    await broker.leave("left")
    await broker.publish("left", '{"after": true}')
    await broker.publish("stays", '{"marker": true}')
    assert await listener.wait_for(2) == [
        ("left", '{"before": true}'),
        ("stays", '{"marker": true}'),
    ]
    assert len(listener.events) == 2


async def test_a_room_can_be_joined_again(start_broker: BrokerFactory) -> None:
    listener = Listener()
    broker = await start_broker(listener)
    await broker.join("room")
    await broker.leave("room")
    await broker.join("room")
    await broker.publish("room", "{}")
    assert await listener.wait_for(1) == [("room", "{}")]


async def test_one_publishers_events_keep_their_order(start_broker: BrokerFactory) -> None:
    listener = Listener()
    broker = await start_broker(listener)
    await broker.join("a")
    await broker.join("b")
    sent = [("a" if i % 3 else "b", f'{{"n": {i}}}') for i in range(200)]
    for room, event in sent:
        await broker.publish(room, event)
    assert await listener.wait_for(len(sent)) == sent


async def test_close_is_idempotent(start_broker: BrokerFactory) -> None:
    broker = await start_broker(Listener())
    await broker.join("room")
    await broker.close()
    await broker.close()


# Redis only: what one in-process broker cannot show.


@pytest.fixture
def redis_only(kind: str) -> None:
    if kind != "redis":
        pytest.skip("only the Redis broker links several processes")


@pytest.mark.usefixtures("redis_only")
async def test_every_process_in_the_room_receives_what_either_publishes(
    start_broker: BrokerFactory,
) -> None:
    first, second, outsider = Listener(), Listener(), Listener()
    one = await start_broker(first)
    two = await start_broker(second)
    three = await start_broker(outsider)
    for broker in (one, two):
        await broker.join("shared")
    await three.join("other")

    await one.publish("shared", '{"from": 1}')
    await two.publish("shared", '{"from": 2}')
    await one.publish("other", '{"marker": true}')
    for listener in (first, second):
        events = await listener.wait_for(2)
        assert sorted(events) == [("shared", '{"from": 1}'), ("shared", '{"from": 2}')]
    assert await outsider.wait_for(1) == [("other", '{"marker": true}')]
    assert len(outsider.events) == 1


@pytest.mark.usefixtures("redis_only")
async def test_a_failing_listener_does_not_stop_delivery(
    start_broker: BrokerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    listener = Listener()

    def deliver(room: str, event: str) -> None:
        listener(room, event)
        if event == '{"boom": true}':
            raise RuntimeError("boom")

    broker = await start_broker(deliver)  # type: ignore[arg-type]
    await broker.join("room")
    await broker.publish("room", '{"boom": true}')
    await broker.publish("room", '{"after": true}')
    assert [event for _, event in await listener.wait_for(2)] == [
        '{"boom": true}',
        '{"after": true}',
    ]
    assert "Delivering an event of room 'room' failed" in caplog.text
