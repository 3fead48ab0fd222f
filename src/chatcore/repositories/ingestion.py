"""Ingesting repositories: claim a pending one, fetch it, store and index its files.

Workers call these (entrypoints/job_worker.py runs them on threads). Every step is
safe with several workers in several processes over one database: a job is claimed
atomically with a lease; the holder renews the lease while it works; the outcome is
recorded only if the lease is still its own (fenced), so a worker that hung past its
lease can never overwrite, or clean up, the work of the one that took over.
"""

from collections.abc import Callable, Iterator
from datetime import timedelta

import attrs

from chatcore.artifacts.model import (
    Artifact,
    ArtifactFile,
    ArtifactStatus,
    Claim,
    Ingestion,
    file_key,
)
from chatcore.artifacts.ports import ArtifactFileRepository, ArtifactRepository, ObjectStore
from chatcore.repositories.limits import RepositoryLimits
from chatcore.repositories.ports import RepositoryFetcher
from chatcore.repositories.sources import RepositoryUrlPolicy
from chatcore.search.indexing import batches, file_texts
from chatcore.search.ports import SearchIndex
from chatcore.shared.errors import Cancelled, InvalidInput, RepositoryFetchFailed
from chatcore.shared.ports import Clock

# A job claimed this many times without an outcome keeps killing its workers: give up.
MAX_ATTEMPTS = 3
INTERNAL_ERROR = "The repository could not be ingested because of an internal error"


class ClaimLost(Exception):
    """The lease expired and another worker has the job: stop, touch nothing more."""


@attrs.define
class RepositoryIngestion:
    clock: Clock
    artifacts: ArtifactRepository
    artifact_files: ArtifactFileRepository
    objects: ObjectStore
    repository_fetcher: RepositoryFetcher
    # What search reads: a ready repository's text files.
    search: SearchIndex
    policy: RepositoryUrlPolicy
    limits: RepositoryLimits = RepositoryLimits()
    lease: timedelta = timedelta(seconds=30)

    def backlog(self) -> dict[ArtifactStatus, int]:
        """Live repositories waiting for ingestion or being ingested, by status."""
        return self.artifacts.count_unfinished()

    def claim_next(self, owner: str) -> Claim | None:
        """Claim the oldest pending (or abandoned) repository for `owner`, if there is one."""
        now = self.clock.now()
        return self.artifacts.claim_next(owner, now, now + self.lease)

    def release(self, claim: Claim) -> bool:
        """Give an unfinished claim back (a clean shutdown), so a worker resumes it at once
        rather than after its lease runs out; False if it was no longer ours."""
        return self.artifacts.release_claim(claim.artifact.id, claim.owner)

    def renew(self, claim: Claim) -> bool:
        """Extend the claim's lease by a whole lease period; False once it is lost."""
        until = self.clock.now() + self.lease
        return self.artifacts.renew_claim(claim.artifact.id, claim.owner, until)

    def ingest(self, claim: Claim, still_held: Callable[[], bool]) -> Artifact | None:
        """Fetch the claimed repository, store and index its files, and record the outcome.

        `ready` with files_count and the commit, or `failed` with a readable error and
        nothing of the attempt kept. None if the claim was lost on the way (`still_held`
        answers False, or a renewal fails): the new holder finishes the job.
        """
        if claim.attempt > MAX_ATTEMPTS:
            return self._finish(
                claim,
                Ingestion.failed(f"Ingestion was interrupted {MAX_ATTEMPTS} times; giving up"),
            )
        artifact_id = claim.artifact.id
        # Index rows left by an attempt that died half-way; its objects are overwritten.
        self.artifact_files.remove_all(artifact_id)
        self.search.remove_items([artifact_id])
        stored: list[str] = []
        try:
            source = self.policy.approve(claim.artifact.source or "")
            fetch = self.repository_fetcher.fetch(
                source.clone_url, self.limits, cancelled=lambda: not still_held()
            )
            with fetch as snapshot:

                def contents() -> Iterator[tuple[str, bytes]]:
                    for file in snapshot.files:
                        if not still_held():
                            raise ClaimLost
                        key = file_key(artifact_id, file.path)
                        stored.append(key)
                        yield key, file.read()

                self.objects.put_many(contents())
                if not self.renew(claim):
                    raise ClaimLost
                index = [ArtifactFile(path=file.path, size=file.size) for file in snapshot.files]
                self.artifact_files.add_many(artifact_id, index)
                self._index_texts(claim, still_held)
                ingestion = Ingestion.ready(len(index), commit=snapshot.commit_id)
        except (ClaimLost, Cancelled):
            return None
        except (RepositoryFetchFailed, InvalidInput) as error:
            return self._fail(claim, stored, error.message)
        except Exception:
            # A fault of ours (storage, a bug): the caller logs it; the user gets a reason.
            self._fail(claim, stored, INTERNAL_ERROR)
            raise
        return self._finish(claim, ingestion)

    def _index_texts(self, claim: Claim, still_held: Callable[[], bool]) -> None:
        """Index the text files just stored, read back a batch at a time."""
        for texts in batches(file_texts(claim.artifact, self.artifact_files, self.objects)):
            if not still_held():
                raise ClaimLost
            self.search.add(texts)

    def _fail(self, claim: Claim, stored: list[str], reason: str) -> Artifact | None:
        # Renewed first: the cleanup then runs inside a fresh lease, so no other worker can
        # have started writing the same keys meanwhile.
        if not self.renew(claim):
            return None
        for key in stored:
            self.objects.delete(key)
        self.artifact_files.remove_all(claim.artifact.id)
        self.search.remove_items([claim.artifact.id])
        return self._finish(claim, Ingestion.failed(reason))

    def _finish(self, claim: Claim, ingestion: Ingestion) -> Artifact | None:
        return self.artifacts.finish_claim(
            claim.artifact.id, claim.owner, ingestion, self.clock.now()
        )
