from datetime import datetime

from adapters.mongo.artifacts import _from_document, _text_fields
from adapters.mongo.documents import Documents, or_none
from adapters.mongo.leases import Leases
from chatcore.artifacts.model import Artifact, TextClaim, initial_text
from chatcore.artifacts.texts import TextState, TextStatus
from chatcore.shared.ids import ArtifactId

# The text's own status, lease and attempts, beside the ingestion's.
TEXTS = Leases("text.status", TextStatus.EXTRACTING.value, "text_lease", "text_attempts")


class MongoTextJobs:
    """Claims on the texts of the artifacts collection's documents (their `text` field,
    with `text_lease` and `text_attempts` beside it)."""

    def __init__(self, artifacts: Documents) -> None:
        self._artifacts = artifacts

    def create_indexes(self) -> None:
        TEXTS.create_index(self._artifacts)
        self._queue_older_documents()

    def claim_next(self, owner: str, at: datetime, until: datetime) -> TextClaim | None:
        claimed = TEXTS.claim_next(self._artifacts, owner, at, until)
        if claimed is None:
            return None
        document, attempt = claimed
        return TextClaim(_from_document(document), owner, until, attempt)

    def renew(self, artifact_id: ArtifactId, owner: str, until: datetime) -> bool:
        return TEXTS.renew(self._artifacts, artifact_id, owner, until)

    def release(self, artifact_id: ArtifactId, owner: str) -> bool:
        return TEXTS.release(self._artifacts, artifact_id, owner)

    def finish(
        self, artifact_id: ArtifactId, owner: str, text: TextState, at: datetime
    ) -> Artifact | None:
        fields = {"text": _text_fields(text), "updated_at": at}
        return or_none(TEXTS.finish(self._artifacts, artifact_id, owner, fields), _from_document)

    def _queue_older_documents(self) -> None:
        # Artifacts stored before texts existed: uploads are queued for extraction, and a
        # text artifact's inline content is its text. Once: afterwards every one has a
        # `text` field (None for archives and repositories).
        for document in self._artifacts.find({"text": {"$exists": False}}):
            artifact = _from_document(document)
            self._artifacts.update_one(
                {"_id": document["_id"], "text": {"$exists": False}},
                {"$set": {"text": _text_fields(initial_text(artifact.type, artifact.content))}},
            )
