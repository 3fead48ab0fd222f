from typing import Any

from pymongo import DESCENDING

from adapters.mongo.documents import Document, Documents, id_of, object_id, utc
from chatcore.shared.audit import AuditEvent, AuditKind, AuditQuery
from chatcore.shared.ids import UserId


class MongoAuditLog:
    def __init__(self, events: Documents) -> None:
        self._events = events

    def create_indexes(self) -> None:
        # Ids grow with time: newest first is a walk down _id, filtered by user or kind.
        self._events.create_index([("user_id", DESCENDING), ("_id", DESCENDING)])
        self._events.create_index([("event", DESCENDING), ("_id", DESCENDING)])

    def record(self, event: AuditEvent) -> None:
        self._events.insert_one(
            {
                "_id": object_id(event.id),
                "at": event.at,
                "event": event.kind.value,
                "user_id": _optional_id(event.user_id),
                "actor_id": _optional_id(event.actor_id),
                "address": event.address,
                "details": dict(event.details),
            }
        )

    def query(self, query: AuditQuery) -> list[AuditEvent]:
        found: dict[str, Any] = {}
        if query.user_id is not None:
            found["user_id"] = object_id(query.user_id)
        if query.kind is not None:
            found["event"] = query.kind.value
        if query.since is not None:
            found["at"] = {"$gte": query.since}
        cursor = self._events.find(found).sort("_id", DESCENDING).limit(query.limit)
        return [_to_event(document) for document in cursor]


def _optional_id(value: str | None) -> Any:
    return None if value is None else object_id(value)


def _to_event(document: Document) -> AuditEvent:
    return AuditEvent(
        id=id_of(document["_id"]),
        at=utc(document["at"]),
        kind=AuditKind(document["event"]),
        user_id=None if document["user_id"] is None else UserId(id_of(document["user_id"])),
        actor_id=None if document["actor_id"] is None else UserId(id_of(document["actor_id"])),
        address=document["address"],
        details=document["details"],
    )
