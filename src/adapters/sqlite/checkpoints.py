"""WAL checkpoints in a thread of their own, so that no commit on the event loop waits on one.

By default SQLite checkpoints on the connection whose commit takes the write-ahead log past
1,000 pages: that commit then copies the log back into the database file and syncs it.
Under a stream of writes that is the event loop's commit several times a second, and each
one holds every request on the loop for as long as the disk takes (`bench.write_tail`: a
full-speed writer blocked 16–28 % of its time, single sends up to 0.6 s; with this
thread 2–4 %, the rest being the restarts below). While the checkpointer
runs, connections do not checkpoint: the thread copies the log back every `interval`
(PASSIVE: it never waits for, nor holds up, a reader or a writer), and the next write
after a pass that copied it all starts the log over. Under writes without a pause a pass
never catches up; a log that grew past `restart_frames` is then finished with writers
held up (RESTART), so the log stays bounded at the cost of a short wait now and then.
"""

import logging
import sqlite3
import threading

from adapters.sqlite.connection import Connections

log = logging.getLogger("chatcore.sqlite")

RESTART_FRAMES = 16_384  # 64 MiB of 4 KiB pages


class Checkpointer:
    def __init__(
        self,
        connections: Connections,
        interval: float = 0.2,
        restart_frames: int = RESTART_FRAMES,
    ) -> None:
        self._connections = connections
        self._interval = interval
        self._restart_frames = restart_frames
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        """Take the checkpoints off every connection, and run them in a thread (once)."""
        if self._thread is not None:
            return
        self._connections.checkpoint_on_commit(False)
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._checkpoint_forever, name="chatcore-sqlite-checkpoints", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread after a last checkpoint; commits checkpoint again after it."""
        if self._thread is None:
            return
        self._stopping.set()
        self._thread.join(timeout)
        self._thread = None
        self._connections.checkpoint_on_commit(True)

    def _checkpoint_forever(self) -> None:
        connection = self._connections.get()
        while True:
            stopping = self._stopping.wait(self._interval)
            try:
                self.checkpoint(connection)
            except sqlite3.Error:
                log.exception("could not checkpoint the database")
            if stopping:
                return

    def checkpoint(self, connection: sqlite3.Connection | None = None) -> None:
        """One pass: copy the log back, and start a long one over."""
        connection = connection or self._connections.get()
        _busy, frames, _copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if frames >= self._restart_frames:
            # Writes (or a reader's old snapshot) kept the pass from copying it all: the
            # rest is copied with writers held up, and the log then starts over.
            connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
