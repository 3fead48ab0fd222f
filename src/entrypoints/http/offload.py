"""Running the synchronous domain off the event loop."""

import asyncio
import contextlib
import contextvars
import functools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

P = ParamSpec("P")
R = TypeVar("R")


def _lower_priority() -> None:
    # Linux schedules threads one by one: a nicer hashing thread yields the core to the
    # event loop whenever both want it, so logins in flight barely slow other requests.
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


HASHING_NICENESS = 10
# Password hashing is CPU-bound by design; this many at a time leaves a core to the loop.
HASHING_SLOTS = max(1, (os.cpu_count() or 2) - 1)


def hashing_executor() -> ThreadPoolExecutor:
    """The threads that hash passwords: few, and at a lower priority than the event loop."""
    return ThreadPoolExecutor(
        HASHING_SLOTS, thread_name_prefix="chatcore-hashing", initializer=_lower_priority
    )


async def run(
    connection: HTTPConnection, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs
) -> R:
    """Run a use case: inline when its adapters answer in microseconds, else in a thread.

    Embedded adapters (memory, SQLite) do no network I/O; the hop to a worker thread and
    back would cost more than the call itself. Networked ones (MongoDB) must not block
    the event loop while they wait.
    """
    if connection.app.state.inline_use_cases:
        return function(*args, **kwargs)
    return await run_in_threadpool(function, *args, **kwargs)


async def hashing(
    connection: HTTPConnection, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs
) -> R:
    """Run a use case that hashes a password on the hashing threads."""
    executor: ThreadPoolExecutor | None = getattr(connection.app.state, "hashing_executor", None)
    if executor is None:
        # The usual cause: a host mounted the app without entering its lifespan.
        raise RuntimeError(
            "chatcore's lifespan is not running: a host that mounts the app must enter"
            " entrypoints.http.app.lifespan(app) (chatcore_embed.lifespan) in its own"
        )
    # run_in_executor, unlike Starlette's thread pool, does not carry context variables
    # over: the request id must travel with the call for its log lines.
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(
        executor, functools.partial(context.run, function, *args, **kwargs)
    )
