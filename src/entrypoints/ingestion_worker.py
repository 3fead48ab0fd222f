"""The threads that ingest repositories in the background, a few at a time.

`slots` threads each claim a job (chatcore/repository_ingestion.py), run it, and claim the
next; with nothing to claim they sleep until woken (a repository was just created here)
or until `poll_seconds` have passed, which is how jobs created by other processes, and
jobs abandoned by a crash (their lease expired), are found. One more thread renews the
leases of the jobs in progress every third of a lease, and tells a job that lost its
lease to stop.

Nothing runs until `start`: building chatcore starts no thread. Threads are daemons, so
a clone stuck on the network never holds up the process's exit; `stop` asks every job
to stop at its next step (a chunk of the download, an object of the pack, a file) and
waits a little for them. A job that stopped in time gives its claim back (pending again,
the attempt not counted), so the next start resumes it at once; one still stuck when the
process exits keeps its claim until the lease expires, and is then taken over (here
after a restart, or by another process).
"""

import logging
import os
import secrets
import socket
import threading

import attrs

from chatcore.artifacts.model import ArtifactStatus, Claim
from chatcore.repositories.ingestion import RepositoryIngestion
from chatcore.shared.ids import ArtifactId

log = logging.getLogger("chatcore.ingestion")


@attrs.define
class _Job:
    claim: Claim
    held: bool = True


class IngestionWorker:
    def __init__(
        self, ingestion: RepositoryIngestion, slots: int = 2, poll_seconds: float = 5.0
    ) -> None:
        if slots < 1:
            raise ValueError("an ingestion worker needs at least one slot")
        self.ingestion = ingestion
        self.slots = slots
        self.poll_seconds = poll_seconds
        self.owner = ""
        self._jobs: dict[ArtifactId, _Job] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def running(self) -> bool:
        return bool(self._threads)

    def start(self) -> None:
        """Start the ingesting threads and the lease keeper (once)."""
        if self._threads:
            return
        # Unique per start: a restarted process must not mistake its old leases for its own.
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._stopping.clear()
        for number in range(self.slots):
            self._threads.append(
                threading.Thread(
                    target=self._ingest_forever, name=f"chatcore-ingest-{number}", daemon=True
                )
            )
        self._threads.append(
            threading.Thread(target=self._keep_leases, name="chatcore-leases", daemon=True)
        )
        for thread in self._threads:
            thread.start()
        log.info("ingesting repositories on %d threads as %s", self.slots, self.owner)

    def wake(self) -> None:
        """Look for work now rather than at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask every job to stop at its next file; wait up to `timeout` for the threads."""
        if not self._threads:
            return
        self._stopping.set()
        with self._lock:
            for job in self._jobs.values():
                job.held = False
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    def _ingest_forever(self) -> None:
        while not self._stopping.is_set():
            try:
                claim = self.ingestion.claim_next(self.owner)
            except Exception:
                log.exception("could not claim a repository to ingest")
                claim = None
            if claim is None:
                if self._wake.wait(self.poll_seconds):
                    self._wake.clear()
                continue
            self._run(claim)

    def _run(self, claim: Claim) -> None:
        artifact_id = claim.artifact.id
        job = _Job(claim)
        with self._lock:
            self._jobs[artifact_id] = job
        try:
            outcome = self.ingestion.ingest(claim, lambda: job.held)
        except Exception:
            log.exception("ingesting repository artifact %s failed", artifact_id)
            return
        finally:
            with self._lock:
                self._jobs.pop(artifact_id, None)
        if outcome is None and self._stopping.is_set():
            # Stopped for a shutdown, and this thread writes nothing more: hand the job back
            # now, so the next start (or another process) resumes it without waiting out
            # the lease. A thread still stuck when the process exits releases nothing.
            try:
                released = self.ingestion.release(claim)
            except Exception:
                log.exception("could not release repository artifact %s", artifact_id)
                released = False
            log.info(
                "repository artifact %s: stopped for shutdown, %s",
                artifact_id,
                "released" if released else "left to its lease",
            )
        elif outcome is None:
            log.info("repository artifact %s: claim given up, left to the next worker", artifact_id)
        elif outcome.ingestion.status is ArtifactStatus.READY:
            log.info(
                "repository artifact %s ready: %s files at %s",
                artifact_id,
                outcome.ingestion.files_count,
                outcome.ingestion.commit,
            )
        else:
            log.info("repository artifact %s failed: %s", artifact_id, outcome.ingestion.error)

    def _keep_leases(self) -> None:
        every = self.ingestion.lease / 3
        while not self._stopping.wait(every.total_seconds()):
            with self._lock:
                jobs = list(self._jobs.values())
            for job in jobs:
                try:
                    kept = self.ingestion.renew(job.claim)
                except Exception:
                    log.exception("could not renew the lease on %s", job.claim.artifact.id)
                    continue
                if not kept:
                    job.held = False
