"""The Redis room broker: room events reach every server process through Redis pub/sub.

Each room is one channel (`chatcore:room:<room>`). A process keeps one connection for
PUBLISH and one pub/sub connection, read by a single background task that hands each
message to the process's listener. Pub/sub is fire-and-forget: events published while a
process is cut off from Redis are lost to it; the subscriptions come back on reconnection.
"""

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from typing import Any, Literal

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("chatcore.rooms")

CONFIRM_TIMEOUT = 10.0  # seconds to wait for Redis to confirm a (un)subscription
RETRY_DELAYS = (0.1, 0.5, 1.0, 2.0, 5.0)  # between reads while the connection is down

_Kind = Literal["subscribe", "unsubscribe"]


class RedisRoomBroker:
    def __init__(self, url: str, channel_prefix: str = "chatcore:room:") -> None:
        self._url = url
        self._prefix = channel_prefix
        self._client: aioredis.Redis | None = None
        self._pubsub: aioredis.client.PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._deliver: Callable[[str, str], None] | None = None
        # Rooms whose events are delivered; a room leaves this set before its UNSUBSCRIBE
        # goes out, so nothing of it is delivered once leave() has begun.
        self._joined: set[str] = set()
        # (Un)subscriptions waiting for Redis to confirm them, oldest first, per channel.
        self._pending: dict[tuple[_Kind, bytes], deque[asyncio.Future[None]]] = {}
        self._lock = asyncio.Lock()
        self._closed = False

    def _channel(self, room: str) -> bytes:
        return f"{self._prefix}{room}".encode()

    async def start(self, deliver: Callable[[str, str], None]) -> None:
        if self._closed:
            raise RuntimeError("RedisRoomBroker: start() after close()")
        if self._reader is not None:
            raise RuntimeError("RedisRoomBroker: already started")
        self._deliver = deliver
        self._client = aioredis.Redis.from_url(self._url)
        await self._client.ping()  # a wrong URL or a missing server shows at startup
        self._pubsub = self._client.pubsub()
        await self._pubsub.connect()  # type: ignore[no-untyped-call]
        self._reader = asyncio.create_task(self._read(self._pubsub), name="redis-room-broker")

    async def join(self, room: str) -> None:
        """Subscribe to the room's channel, and return once Redis has confirmed it."""
        pubsub = self._started()
        async with self._lock:
            if room in self._joined:
                return
            self._joined.add(room)
            try:
                await self._confirmed("subscribe", self._channel(room), pubsub.subscribe)
            except BaseException:
                self._joined.discard(room)
                with contextlib.suppress(Exception):
                    await pubsub.unsubscribe(self._channel(room))
                raise

    async def leave(self, room: str) -> None:
        """Unsubscribe; once this returns, no event of `room` reaches the listener."""
        pubsub = self._started()
        async with self._lock:
            if room not in self._joined:
                return
            self._joined.discard(room)
            await self._confirmed("unsubscribe", self._channel(room), pubsub.unsubscribe)

    async def publish(self, room: str, event: str) -> None:
        if self._client is None or self._closed:
            raise RuntimeError("RedisRoomBroker: publish() before start() or after close()")
        await self._client.publish(self._channel(room), event.encode())

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._deliver = None
        self._joined.clear()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        for waiting in self._pending.values():
            for future in waiting:
                future.cancel()
        self._pending.clear()
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]
            self._pubsub = None
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.aclose()
            self._client = None

    def _started(self) -> aioredis.client.PubSub:
        if self._pubsub is None or self._closed:
            raise RuntimeError("RedisRoomBroker: join()/leave() before start() or after close()")
        return self._pubsub

    async def _confirmed(self, kind: _Kind, channel: bytes, send: Callable[[bytes], Any]) -> None:
        """Send SUBSCRIBE or UNSUBSCRIBE, and wait until the reader sees Redis's reply."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiting = self._pending.setdefault((kind, channel), deque())
        waiting.append(future)
        try:
            await send(channel)
            async with asyncio.timeout(CONFIRM_TIMEOUT):
                await future
        finally:
            if future in waiting:
                waiting.remove(future)
            if not waiting:
                self._pending.pop((kind, channel), None)

    async def _read(self, pubsub: aioredis.client.PubSub) -> None:
        """Hand every message to the listener, until cancelled; outages are waited out."""
        failures = 0
        while True:
            try:
                message = await pubsub.get_message(timeout=None)  # blocks: no polling
            except asyncio.CancelledError:
                raise
            except (RedisConnectionError, RedisTimeoutError, OSError) as error:
                delay = RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)]
                failures += 1
                logger.warning(
                    "Room broker lost its Redis connection (%s); retrying in %.1fs",
                    error,
                    delay,
                )
                await asyncio.sleep(delay)
                continue
            except Exception:
                delay = RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)]
                failures += 1
                logger.exception("Room broker failed to read from Redis; retrying in %.1fs", delay)
                await asyncio.sleep(delay)
                continue
            if failures:
                logger.info("Room broker reconnected to Redis")
                failures = 0
            if message is not None:
                self._handle(message)

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        channel = message.get("channel")
        if not isinstance(channel, bytes):
            return  # a pong
        if kind in ("subscribe", "unsubscribe"):
            waiting = self._pending.get((kind, channel))
            if waiting:
                future = waiting.popleft()
                if not future.done():
                    future.set_result(None)
            return
        if kind != "message":
            return
        room = channel.decode("utf-8", "replace").removeprefix(self._prefix)
        deliver = self._deliver
        if deliver is None or room not in self._joined:
            return  # in flight when the room was left
        data = message.get("data")
        if not isinstance(data, bytes):
            return
        try:
            event = data.decode("utf-8")
        except UnicodeDecodeError:
            logger.warning("Room broker dropped an event of %r that is not UTF-8", room)
            return
        try:
            deliver(room, event)
        except Exception:
            logger.exception("Delivering an event of room %r failed", room)
