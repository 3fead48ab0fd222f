"""What the message collections share: entries grouped by a field (a session, a room)."""

from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic

from pymongo import ASCENDING, DESCENDING

from adapters.mongo.documents import (
    LIVE,
    Document,
    Documents,
    deletion_fields,
    object_id,
    or_none,
    utc,
    utc_or_none,
)
from adapters.timeline_entries import E, EntryTimes
from chatcore.shared.paging import Position, position_of_id


def entry_times(document: Document) -> EntryTimes:
    """The times of a document, as keyword arguments for its entity."""
    return {
        "created_at": utc(document["created_at"]),
        "updated_at": utc(document["updated_at"]),
        "deleted_at": utc_or_none(document["deleted_at"]),
    }


class Timelines(Generic[E]):
    """The entries of a collection, grouped by the value `key` makes of a group's name.

    `fields` gives a document's fields besides _id and the times; `entry` makes an entity
    of a document.
    """

    def __init__(
        self,
        documents: Documents,
        group: str,
        key: Callable[[str], Any],
        fields: Callable[[E], Document],
        entry: Callable[[Document], E],
    ) -> None:
        self._documents = documents
        self._group = group
        self._key = key
        self._fields = fields
        self._entry = entry

    def create_indexes(self) -> None:
        # latest() and page() are a range scan on this index, whatever the size of the group:
        # entries are placed by the millisecond the server accepted them, the id for ties.
        self._documents.create_index(
            [
                (self._group, ASCENDING),
                ("deleted", ASCENDING),
                ("created_at", ASCENDING),
                ("_id", ASCENDING),
            ]
        )

    def add(self, entry: E) -> None:
        self._documents.insert_one(
            {
                "_id": object_id(entry.id),
                **self._fields(entry),
                "created_at": entry.created_at,
                "updated_at": entry.updated_at,
                **deletion_fields(entry.deleted_at),
            }
        )

    def get(self, entry_id: str) -> E | None:
        return or_none(self._documents.find_one({"_id": object_id(entry_id)}), self._entry)

    def latest(self, group: str, limit: int, before: str | None = None) -> list[E]:
        """The newest `limit` live entries of `group` (placed before entry `before`), oldest
        first."""
        if before is None:
            return self.page(group, limit)
        found = self._documents.find_one({"_id": object_id(before)}, {"created_at": 1})
        end = (
            position_of_id(before) if found is None else Position(utc(found["created_at"]), before)
        )
        return self.page(group, limit, end)

    def page(self, group: str, limit: int, before: Position | None = None) -> list[E]:
        """The newest `limit` live entries of `group` placed before `before`, oldest first."""
        if limit <= 0:  # pymongo reads a limit of 0 as "no limit"
            return []
        query: Document = {self._group: self._key(group), **LIVE}
        if before is not None:
            query["$or"] = [
                {"created_at": {"$lt": before.at}},
                {"created_at": before.at, "_id": {"$lt": object_id(before.id)}},
            ]
        cursor = (
            self._documents.find(query)
            .sort([("created_at", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        newest_first = [self._entry(document) for document in cursor]
        return newest_first[::-1]

    def mark_deleted(self, entry_id: str, at: datetime) -> bool:
        result = self._documents.update_one(
            {"_id": object_id(entry_id), **LIVE},
            {"$set": {**deletion_fields(at), "updated_at": at}},
        )
        return result.modified_count == 1
