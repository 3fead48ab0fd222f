"""How chatcore is served: uvicorn, one process or several, with a goodbye to WebSocket
clients on shutdown."""

import logging
import multiprocessing
import os
import signal
import socket
import sys
import tempfile
import threading
import time
from typing import Any

import uvicorn
from starlette.applications import Starlette

from entrypoints import logs
from entrypoints.bootstrap import build
from entrypoints.http.metrics import MULTIPROCESS_DIR, worker_ended
from entrypoints.http.room_hub import RoomHub
from entrypoints.settings import Settings

log = logging.getLogger("chatcore.server")

# Shared with the benchmark's baseline, so both are served alike. Uvicorn's access log is
# off: it costs a formatted log line per request on the event loop.
UVICORN_OPTIONS: dict[str, Any] = {
    "proxy_headers": False,
    "access_log": False,
    # Room frames carry at most 4,000 characters; a far larger frame is closed with 1009.
    # `chatcore serve` sets it from CHATCORE_MAX_WS_FRAME_BYTES.
    "ws_max_size": 64 * 1024,
    # Browsers offer permessage-deflate, and uvicorn accepts it by default: every event
    # would then be compressed once per member, with a zlib context (hundreds of KiB) per
    # connection, to save a few bytes on messages of a few hundred.
    "ws_per_message_deflate": False,
}

# A worker that exits with this before serving failed to start (bad settings, a database
# it cannot open): starting it again would fail alike, so the whole server stops.
STARTUP_FAILURE = 3


class GracefulServer(uvicorn.Server):
    """Closes room connections with 1001 (going away) before uvicorn stops.

    Left to itself, uvicorn would cut them with 1012 (service restart) at shutdown.
    """

    def __init__(self, config: uvicorn.Config, app: Starlette) -> None:
        super().__init__(config)
        self._app = app

    async def shutdown(self, sockets: Any = None) -> None:
        hub: RoomHub = self._app.state.room_hub
        await hub.dismiss()
        await super().shutdown(sockets)


def server_app(settings: Settings) -> Starlette:
    """The whole server's app as `chatcore serve` runs it: what `build` makes of `settings`,
    with request lines written in batches to stderr.

    Raises ValueError for a configuration error (a bad URL or prefix).
    """
    from entrypoints.http.app import create_app
    from entrypoints.http.request_log import BatchedLines, LoggedLines

    # Request lines are info records: written in batches straight to stderr, unless the
    # level leaves them out (then the logger's level check drops each one).
    lines = BatchedLines(sys.stderr) if logs.writes_info(settings.log_level) else LoggedLines()
    return create_app(build(settings), access_log=lines)


def uvicorn_config(app: Starlette, settings: Settings) -> uvicorn.Config:
    """Uvicorn's settings for `app`; logging stays as `entrypoints.logs` set it up."""
    options = {**UVICORN_OPTIONS, "ws_max_size": settings.max_ws_frame_bytes}
    return uvicorn.Config(app, host=settings.host, port=settings.port, log_config=None, **options)


def serve(settings: Settings) -> int:
    """Serve in this process until SIGTERM or SIGINT; 2 on a configuration error."""
    try:
        app = server_app(settings)
    except ValueError as error:
        # A configuration error (a bad URL or prefix): say which, without a traceback.
        print(f"chatcore: {error}", file=sys.stderr)
        return 2
    GracefulServer(uvicorn_config(app, settings), app).run()
    return 0


def workers_refusal(settings: Settings, workers: int) -> str | None:
    """Why `workers` processes cannot serve these settings, or None when they can."""
    if workers < 1:
        return "--workers must be at least 1"
    if workers == 1:
        return None
    if settings.broker_url == "memory://":
        # Each process would hold its own members: a room would split into one per worker.
        return (
            f"--workers {workers} needs CHATCORE_BROKER_URL=redis://…: with the in-process"
            " broker, each worker would hold a separate copy of every room"
        )
    if settings.database_url == "memory://":
        return f"--workers {workers} needs a shared database, not CHATCORE_DATABASE_URL=memory://"
    return None


def serve_workers(settings: Settings, workers: int) -> int:
    """Serve with `workers` processes on one listening socket, until SIGTERM or SIGINT.

    Each worker builds its own app from the same settings (its own database connections,
    room hub and ingestion threads) and is restarted if it dies; one that fails before it
    serves stops them all. The parent only supervises.
    """
    listener = uvicorn.Config(
        _no_app, host=settings.host, port=settings.port, log_config=None
    ).bind_socket()
    # The workers' metrics meet in files here, so that any worker answers a scrape for all;
    # set before they start, since prometheus-client reads it when a worker imports it.
    figures = tempfile.TemporaryDirectory(prefix="chatcore-metrics-")
    os.environ[MULTIPROCESS_DIR] = figures.name
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()

    def start() -> multiprocessing.process.BaseProcess:
        process = context.Process(target=_worker, args=(settings, listener), name="chatcore-worker")
        process.start()
        return process

    def ask_to_stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, ask_to_stop)
    signal.signal(signal.SIGINT, ask_to_stop)
    processes = [start() for _ in range(workers)]
    log.info("serving on %s:%d with %d workers", settings.host, settings.port, workers)
    status = 0
    while not stop.wait(0.5):
        for index, process in enumerate(processes):
            if process.is_alive():
                continue
            if process.exitcode == STARTUP_FAILURE:
                log.error("worker %s failed to start: stopping", process.pid)
                stop.set()
                status = 2
                break
            log.warning(
                "worker %s ended (exit code %s): starting another", process.pid, process.exitcode
            )
            if process.pid is not None:
                worker_ended(process.pid)
            processes[index] = start()
    for process in processes:
        if process.is_alive() and process.pid is not None:
            os.kill(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()
    listener.close()
    figures.cleanup()
    return status


def _worker(settings: Settings, listener: socket.socket) -> None:
    """One worker process: its own app from `settings`, served on the shared socket."""
    logs.configure(settings.log_level, settings.log_format)
    try:
        app = server_app(settings)
    except Exception:
        log.exception("worker could not start")
        sys.exit(STARTUP_FAILURE)
    GracefulServer(uvicorn_config(app, settings), app).run(sockets=[listener])


async def _no_app(scope: Any, receive: Any, send: Any) -> None:
    """Only the parent's socket binding reads this config: it serves nothing."""
