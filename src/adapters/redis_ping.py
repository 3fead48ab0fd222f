"""Whether a Redis answers: for `chatcore check`, before any server uses it."""

import asyncio

import redis.asyncio as aioredis


def ping(url: str, timeout: float = 5.0) -> None:
    """Returns when the Redis at `url` answers PING; raises when it does not."""

    async def answer() -> None:
        client = aioredis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        try:
            await client.ping()
        finally:
            await client.aclose()

    asyncio.run(answer())
