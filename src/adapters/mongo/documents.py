"""What every Mongo repository shares: ids, times and soft deletion, between entities and BSON.

Ids are real ObjectIds in the database and 24-hex strings in the entities.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeAlias, TypeVar

from bson import ObjectId
from pymongo.collection import Collection

Document: TypeAlias = dict[str, Any]
Documents: TypeAlias = Collection[Document]
Entity = TypeVar("Entity")

# A boolean beside deleted_at: a plain equality for the partial and compound indexes to key on.
LIVE: Document = {"deleted": False}


def object_id(value: str) -> ObjectId:
    return ObjectId(value)


def id_of(value: ObjectId) -> str:
    return str(value)


def utc(value: datetime) -> datetime:
    """Aware UTC, whether or not the client was opened with tz_aware."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else utc(value)


def deletion_fields(deleted_at: datetime | None) -> Document:
    return {"deleted": deleted_at is not None, "deleted_at": deleted_at}


def or_none(document: Document | None, entity: Callable[[Document], Entity]) -> Entity | None:
    return None if document is None else entity(document)
