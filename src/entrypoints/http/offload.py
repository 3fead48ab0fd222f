"""Running the synchronous domain off the event loop."""

import os
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import anyio.to_thread
from starlette.requests import HTTPConnection

P = ParamSpec("P")
R = TypeVar("R")

# Password hashing is CPU-bound by design. Letting every thread of the pool hash at once
# would take all cores from the event loop; this many at a time leaves one core free.
HASHING_SLOTS = max(1, (os.cpu_count() or 2) - 1)


async def hashing(
    connection: HTTPConnection, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs
) -> R:
    """Run a use case that hashes a password, a bounded number at a time."""
    limiter: anyio.CapacityLimiter = connection.app.state.hashing_limiter
    return await anyio.to_thread.run_sync(lambda: function(*args, **kwargs), limiter=limiter)
