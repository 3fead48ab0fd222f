from datetime import datetime

from pymongo import ASCENDING, ReturnDocument

from adapters.mongo.artifacts import _from_document, _text_fields
from adapters.mongo.documents import LIVE, Document, Documents, object_id, or_none
from chatcore.artifacts.model import Artifact, TextClaim, initial_text
from chatcore.artifacts.texts import TextState, TextStatus
from chatcore.shared.ids import ArtifactId

_UNFINISHED = [TextStatus.PENDING.value, TextStatus.EXTRACTING.value]


class MongoTextJobs:
    """Claims on the texts of the artifacts collection's documents (their `text` field,
    with `text_lease` and `text_attempts` beside it)."""

    def __init__(self, artifacts: Documents) -> None:
        self._artifacts = artifacts

    def create_indexes(self) -> None:
        # Serves claim_next: texts still to extract only, oldest first.
        self._artifacts.create_index(
            [("text.status", ASCENDING), ("_id", ASCENDING)],
            partialFilterExpression={"text.status": {"$in": _UNFINISHED}},
        )
        self._queue_older_documents()

    def claim_next(self, owner: str, at: datetime, until: datetime) -> TextClaim | None:
        # One find_one_and_update: the match and the change are one atomic step.
        document = self._artifacts.find_one_and_update(
            {
                "text.status": {"$in": _UNFINISHED},
                **LIVE,
                "$or": [
                    {"text.status": TextStatus.PENDING.value},
                    {"text_lease.expires_at": {"$lte": at}},
                ],
            },
            {
                "$set": {
                    "text": _text_fields(TextState(TextStatus.EXTRACTING)),
                    "text_lease": {"owner": owner, "expires_at": until},
                },
                "$inc": {"text_attempts": 1},
            },
            sort=[("_id", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )
        if document is None:
            return None
        return TextClaim(_from_document(document), owner, until, document["text_attempts"])

    def renew(self, artifact_id: ArtifactId, owner: str, until: datetime) -> bool:
        result = self._artifacts.update_one(
            _held(artifact_id, owner), {"$set": {"text_lease.expires_at": until}}
        )
        return result.matched_count == 1

    def release(self, artifact_id: ArtifactId, owner: str) -> bool:
        result = self._artifacts.update_one(
            _held(artifact_id, owner),
            {
                "$set": {"text": _text_fields(TextState()), "text_lease": None},
                "$inc": {"text_attempts": -1},
            },
        )
        return result.matched_count == 1

    def finish(
        self, artifact_id: ArtifactId, owner: str, text: TextState, at: datetime
    ) -> Artifact | None:
        document = self._artifacts.find_one_and_update(
            _held(artifact_id, owner),
            {"$set": {"text": _text_fields(text), "updated_at": at, "text_lease": None}},
            return_document=ReturnDocument.AFTER,
        )
        return or_none(document, _from_document)

    def _queue_older_documents(self) -> None:
        # Artifacts stored before texts existed: uploads are queued for extraction, and a
        # text artifact's inline content is its text. Once: afterwards every one has a
        # `text` field (None for archives and repositories).
        older = self._artifacts.find({"text": {"$exists": False}})
        for document in older:
            artifact = _from_document(document)
            text = initial_text(artifact.type, artifact.content)
            self._artifacts.update_one(
                {"_id": document["_id"], "text": {"$exists": False}},
                {"$set": {"text": _text_fields(text)}},
            )


def _held(artifact_id: ArtifactId, owner: str) -> Document:
    return {
        "_id": object_id(artifact_id),
        "text.status": TextStatus.EXTRACTING.value,
        "text_lease.owner": owner,
    }
