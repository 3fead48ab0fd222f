"""The thread that purges deleted things once a day per deployment.

Every server process runs one; each `check_seconds` (and once at start) it asks the shared
database for today's run (`PeriodicJobs.claim`). One process wins it and purges; the
others see the claim and wait for the next check. A claim holds for a day, so a process
that dies mid-purge leaves the rest to the next day's run, which finishes it.

Nothing runs until `start`: building chatcore starts no thread. The thread is a daemon,
so a long purge never holds up the exit; `stop` waits a little for it.
"""

import logging
import os
import secrets
import socket
import threading

from chatcore.upkeep.ports import PeriodicJobs
from chatcore.upkeep.purge import Purge

log = logging.getLogger("chatcore.purge")

# Hourly: a claim is one small write, and a new day's run starts within the hour.
CHECK_SECONDS = 3600.0


def log_progress(kind: str, count: int) -> None:
    """Log one batch of a purge as it goes."""
    log.info("purged %d %s", count, kind)


class PurgeWorker:
    def __init__(
        self, purge: Purge, jobs: PeriodicJobs, check_seconds: float = CHECK_SECONDS
    ) -> None:
        self.purge = purge
        self.jobs = jobs
        self.check_seconds = check_seconds
        self.owner = ""
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        """Start the purging thread (once)."""
        if self._thread is not None:
            return
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._purge_daily, name="chatcore-purge", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop checking; wait up to `timeout` for a purge in progress."""
        if self._thread is None:
            return
        self._stopping.set()
        self._thread.join(timeout)
        self._thread = None

    def run_once(self) -> None:
        """Claim today's run and purge if this process won it; log, never raise."""
        try:
            report = self.purge.run_daily(self.jobs, self.owner)
        except Exception:
            log.exception("the daily purge failed; the next day's run will finish it")
            return
        if report is None:
            # A line per check and process: what shows that the schedule is alive.
            log.info("daily purge: another process has today's run")
        else:
            log.info(
                "daily purge of what was deleted before %s: %s", report.cutoff, report.counts()
            )

    def _purge_daily(self) -> None:
        while not self._stopping.is_set():
            self.run_once()
            self._stopping.wait(self.check_seconds)
