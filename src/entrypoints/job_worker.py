"""The threads that run background jobs claimed with a lease, a few at a time: repository
ingestion (chatcore/repositories/ingestion.py) and text extraction
(chatcore/artifacts/text_extraction.py) each have a worker of this kind.

`slots` threads each claim a job, run it, and claim the next; with nothing to claim they
sleep until woken (a job was just created here) or until `poll_seconds` have passed,
which is how jobs created by other processes, and jobs abandoned by a crash (their lease
expired), are found. One more thread renews the leases of the jobs in progress every
third of a lease, and tells a job that lost its lease to stop.

Nothing runs until `start`: building chatcore starts no thread. Threads are daemons, so
a job stuck on the network never holds up the process's exit; `stop` asks every job to
stop at its next step (a chunk of a download, a file, a poll of an extracting child) and
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
from collections.abc import Callable
from datetime import timedelta
from typing import Generic, Protocol, TypeVar

import attrs

from chatcore.artifacts.model import Artifact, ArtifactStatus, Claim, TextClaim
from chatcore.artifacts.text_extraction import TextExtraction
from chatcore.artifacts.texts import TextStatus
from chatcore.repositories.ingestion import RepositoryIngestion
from chatcore.shared.ids import ArtifactId

log = logging.getLogger("chatcore.jobs")


class _Claim(Protocol):
    @property
    def artifact(self) -> Artifact: ...


ClaimT = TypeVar("ClaimT", bound=_Claim)


class _Jobs(Protocol[ClaimT]):
    @property
    def lease(self) -> timedelta: ...

    def claim_next(self, owner: str) -> ClaimT | None: ...

    def renew(self, claim: ClaimT) -> bool: ...

    def release(self, claim: ClaimT) -> bool: ...


@attrs.frozen
class JobKind(Generic[ClaimT]):
    """One kind of job: its use case, how to run a claim, and how its outcome reads in
    the log ("<name> artifact <id> <outcome>")."""

    name: str
    jobs: _Jobs[ClaimT]
    run: Callable[[ClaimT, Callable[[], bool]], Artifact | None]
    outcome: Callable[[Artifact], str]


def repository_ingestion(ingestion: RepositoryIngestion) -> JobKind[Claim]:
    """Ingesting repositories: a job per pending repository artifact."""

    def outcome(artifact: Artifact) -> str:
        done = artifact.ingestion
        if done.status is ArtifactStatus.READY:
            return f"ready: {done.files_count} files at {done.commit}"
        return f"failed: {done.error}"

    return JobKind("repository", ingestion, ingestion.ingest, outcome)


def text_extraction(extraction: TextExtraction) -> JobKind[TextClaim]:
    """Extracting texts: a job per uploaded document whose text is pending."""

    def outcome(artifact: Artifact) -> str:
        text = artifact.text
        if text is None or text.status is not TextStatus.READY:
            status = "gone" if text is None else text.status.value
            return f"{status}: {None if text is None else text.error}"
        return f"ready: {text.length} characters{' (truncated)' if text.truncated else ''}"

    return JobKind("text", extraction, extraction.extract, outcome)


@attrs.define
class _Job(Generic[ClaimT]):
    claim: ClaimT
    held: bool = True


class JobWorker(Generic[ClaimT]):
    def __init__(self, kind: JobKind[ClaimT], slots: int = 2, poll_seconds: float = 5.0) -> None:
        if slots < 1:
            raise ValueError("a job worker needs at least one slot")
        self.kind = kind
        self.slots = slots
        self.poll_seconds = poll_seconds
        self.owner = ""
        self._jobs: dict[ArtifactId, _Job[ClaimT]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def running(self) -> bool:
        return bool(self._threads)

    def start(self) -> None:
        """Start the job threads and the lease keeper (once)."""
        if self._threads:
            return
        # Unique per start: a restarted process must not mistake its old leases for its own.
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._stopping.clear()
        name = self.kind.name
        for number in range(self.slots):
            self._threads.append(
                threading.Thread(
                    target=self._work_forever, name=f"chatcore-{name}-{number}", daemon=True
                )
            )
        self._threads.append(
            threading.Thread(target=self._keep_leases, name=f"chatcore-{name}-leases", daemon=True)
        )
        for thread in self._threads:
            thread.start()
        log.info("running %s jobs on %d threads as %s", name, self.slots, self.owner)

    def wake(self) -> None:
        """Look for work now rather than at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask every job to stop at its next step; wait up to `timeout` for the threads."""
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

    def _work_forever(self) -> None:
        while not self._stopping.is_set():
            try:
                claim = self.kind.jobs.claim_next(self.owner)
            except Exception:
                log.exception("could not claim a %s job", self.kind.name)
                claim = None
            if claim is None:
                if self._wake.wait(self.poll_seconds):
                    self._wake.clear()
                continue
            self._run(claim)

    def _run(self, claim: ClaimT) -> None:
        subject = f"{self.kind.name} artifact {claim.artifact.id}"
        artifact_id = claim.artifact.id
        job = _Job(claim)
        with self._lock:
            self._jobs[artifact_id] = job
        try:
            outcome = self.kind.run(claim, lambda: job.held)
        except Exception:
            log.exception("%s: the job failed", subject)
            return
        finally:
            with self._lock:
                self._jobs.pop(artifact_id, None)
        if outcome is None and self._stopping.is_set():
            # Stopped for a shutdown, and this thread writes nothing more: hand the job back
            # now, so the next start (or another process) resumes it without waiting out
            # the lease. A thread still stuck when the process exits releases nothing.
            try:
                released = self.kind.jobs.release(claim)
            except Exception:
                log.exception("%s: could not release it", subject)
                released = False
            log.info(
                "%s: stopped for shutdown, %s",
                subject,
                "released" if released else "left to its lease",
            )
        elif outcome is None:
            log.info("%s: claim given up, left to the next worker", subject)
        else:
            log.info("%s %s", subject, self.kind.outcome(outcome))

    def _keep_leases(self) -> None:
        every = self.kind.jobs.lease / 3
        while not self._stopping.wait(every.total_seconds()):
            with self._lock:
                jobs = list(self._jobs.values())
            for job in jobs:
                try:
                    kept = self.kind.jobs.renew(job.claim)
                except Exception:
                    log.exception("could not renew the lease on %s", job.claim.artifact.id)
                    continue
                if not kept:
                    job.held = False
