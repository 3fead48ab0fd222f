"""Extracting the text of uploaded documents: claim a pending one, read it, store its text.

The same machinery as repository ingestion (chatcore/repositories/ingestion.py): a text is
claimed atomically with a lease, the holder renews the lease while it works, and the
outcome is recorded only while the lease is still its own (fenced), so that a worker that
hung past its lease never overwrites the work of the one that took over. Workers in any
number of processes over one database extract each text once.
"""

from collections.abc import Callable
from datetime import timedelta

import attrs

from chatcore.artifacts.model import Artifact, TextClaim
from chatcore.artifacts.ports import ObjectStore, TextExtractor, TextJobs
from chatcore.artifacts.stored_text import StoredTexts
from chatcore.artifacts.texts import DocumentText, TextLimits, TextState, TextStatus
from chatcore.search.indexing import artifact_text
from chatcore.search.ports import SearchIndex
from chatcore.shared.errors import Cancelled
from chatcore.shared.ids import ArtifactId
from chatcore.shared.ports import Clock

# A document claimed this many times without an outcome keeps killing its workers.
MAX_ATTEMPTS = 3


@attrs.define
class TextExtraction:
    jobs: TextJobs
    objects: ObjectStore
    extractor: TextExtractor
    clock: Clock
    # What search reads: a document's text, once extracted.
    search: SearchIndex
    limits: TextLimits = TextLimits()
    lease: timedelta = timedelta(seconds=30)

    def claim_next(self, owner: str) -> TextClaim | None:
        """Claim the oldest pending (or abandoned) text for `owner`, if there is one."""
        now = self.clock.now()
        return self.jobs.claim_next(owner, now, now + self.lease)

    def release(self, claim: TextClaim) -> bool:
        """Give an unfinished claim back (a clean shutdown), so that a worker resumes it at
        once rather than after its lease runs out; False if it was no longer ours."""
        return self.jobs.release(claim.artifact.id, claim.owner)

    def renew(self, claim: TextClaim) -> bool:
        """Extend the claim's lease by a whole lease period; False once it is lost."""
        return self.jobs.renew(claim.artifact.id, claim.owner, self.clock.now() + self.lease)

    def extract(self, claim: TextClaim, still_held: Callable[[], bool]) -> Artifact | None:
        """Read the claimed document, store its text, and record the outcome.

        `ready` with the text's length (and `truncated` when it was cut), or `failed` /
        `unsupported` with a readable reason. None if the claim was lost on the way
        (`still_held` answers False, or a renewal fails): the new holder finishes the job.
        """
        if claim.attempt > MAX_ATTEMPTS:
            reason = f"Text extraction was interrupted {MAX_ATTEMPTS} times; giving up"
            return self._finish(claim, TextState(TextStatus.FAILED, error=reason))
        document = self._read(claim.artifact, still_held)
        if document is None or not self.renew(claim):
            return None
        length = 0
        if document.status is TextStatus.READY:
            length = self.save_text(claim.artifact.id, document.text)
            # Searchable before it is recorded ready (a retry finds it indexed once: by key).
            self.search.add([artifact_text(claim.artifact, document.text)])
        return self._finish(claim, TextState.of(document, length))

    def save_text(self, artifact_id: ArtifactId, text: str) -> int:
        """Store an artifact's finished text (the one place every extracted text passes
        through before it is recorded as ready); its length in characters."""
        return StoredTexts(self.objects).save(artifact_id, text)

    def _read(self, artifact: Artifact, still_held: Callable[[], bool]) -> DocumentText | None:
        format = artifact.document_format
        if format is None or artifact.upload is None:
            return DocumentText.unsupported("This artifact has no document to read text from")
        stream = self.objects.open(artifact.upload.object_key)
        if stream is None:
            return DocumentText.failed("The uploaded file is missing from storage")
        try:
            with stream:
                return self.extractor.extract(
                    stream, format, self.limits, cancelled=lambda: not still_held()
                )
        except Cancelled:
            return None

    def _finish(self, claim: TextClaim, text: TextState) -> Artifact | None:
        return self.jobs.finish(claim.artifact.id, claim.owner, text, self.clock.now())
