"""What purging shares across collections: finding documents deleted long enough ago."""

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING

from adapters.mongo.documents import Document, Documents, object_id

DELETED: Document = {"deleted": True}


def index_deleted(documents: Documents) -> None:
    """Index the deleted documents by deletion time: only they, so it stays small."""
    documents.create_index(
        [("deleted_at", ASCENDING), ("_id", ASCENDING)],
        name="deleted_at_of_deleted",
        partialFilterExpression=DELETED,
    )


def deleted_before(documents: Documents, cutoff: datetime, limit: int) -> list[Document]:
    """At most `limit` documents soft-deleted before `cutoff`, earliest deletion first."""
    if limit <= 0:  # pymongo reads a limit of 0 as "no limit"
        return []
    cursor = (
        documents.find({**DELETED, "deleted_at": {"$lt": cutoff}})
        .sort([("deleted_at", ASCENDING), ("_id", ASCENDING)])
        .limit(limit)
    )
    return list(cursor)


def delete_ids(documents: Documents, ids: Sequence[str]) -> int:
    """Delete the documents with these ids; how many there were."""
    if not ids:
        return 0
    return documents.delete_many({"_id": {"$in": [object_id(i) for i in ids]}}).deleted_count


def delete_deleted_before(documents: Documents, cutoff: datetime) -> int:
    """Delete the documents soft-deleted before `cutoff`; how many there were."""
    return documents.delete_many({**DELETED, "deleted_at": {"$lt": cutoff}}).deleted_count
