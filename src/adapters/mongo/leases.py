"""Claims with a lease on documents of the artifacts collection, one set of fields per kind
of job: repository ingestion (`status`, `lease`, `attempts`) and text extraction
(`text.status`, `text_lease`, `text_attempts`).

A claim is one find_one_and_update (the match and the change are one atomic step) on the
oldest live document that is pending or whose lease has run out; renewing, releasing and
finishing are fenced by the holder's name.
"""

from datetime import datetime

import attrs
from pymongo import ASCENDING, ReturnDocument

from adapters.mongo.documents import LIVE, Document, Documents, object_id

PENDING = "pending"


@attrs.frozen
class Leases:
    status: str  # the job's status field (dotted path): "pending" waits, `working` is claimed
    working: str
    lease: str
    attempts: str

    def create_index(self, documents: Documents) -> None:
        """Serves claim_next: unfinished jobs only, oldest first."""
        documents.create_index(
            [(self.status, ASCENDING), ("_id", ASCENDING)],
            partialFilterExpression={self.status: {"$in": [PENDING, self.working]}},
        )

    def claim_next(
        self, documents: Documents, owner: str, at: datetime, until: datetime
    ) -> tuple[Document, int] | None:
        """The claimed document and its attempts so far, or None."""
        document = documents.find_one_and_update(
            {
                self.status: {"$in": [PENDING, self.working]},
                **LIVE,
                "$or": [{self.status: PENDING}, {f"{self.lease}.expires_at": {"$lte": at}}],
            },
            {
                "$set": {
                    self.status: self.working,
                    self.lease: {"owner": owner, "expires_at": until},
                },
                "$inc": {self.attempts: 1},
            },
            sort=[("_id", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )
        return None if document is None else (document, document[self.attempts])

    def renew(self, documents: Documents, row_id: str, owner: str, until: datetime) -> bool:
        result = documents.update_one(
            self._held(row_id, owner), {"$set": {f"{self.lease}.expires_at": until}}
        )
        return result.matched_count == 1

    def release(self, documents: Documents, row_id: str, owner: str) -> bool:
        """Pending again, no lease, this attempt not counted."""
        result = documents.update_one(
            self._held(row_id, owner),
            {"$set": {self.status: PENDING, self.lease: None}, "$inc": {self.attempts: -1}},
        )
        return result.matched_count == 1

    def finish(
        self, documents: Documents, row_id: str, owner: str, fields: Document
    ) -> Document | None:
        """Set the outcome's `fields` and drop the lease, if the owner still holds it; the
        document as it then is."""
        return documents.find_one_and_update(
            self._held(row_id, owner),
            {"$set": {**fields, self.lease: None}},
            return_document=ReturnDocument.AFTER,
        )

    def _held(self, row_id: str, owner: str) -> Document:
        return {"_id": object_id(row_id), self.status: self.working, f"{self.lease}.owner": owner}
