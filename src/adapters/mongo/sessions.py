from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING, DESCENDING

from adapters.mongo import purging
from adapters.mongo.documents import (
    LIVE,
    Document,
    Documents,
    deletion_fields,
    id_of,
    object_id,
    or_none,
    utc,
    utc_or_none,
)
from chatcore.chats.model import ChatSession
from chatcore.shared.ids import SessionId, UserId
from chatcore.shared.paging import Position


class MongoSessionRepository:
    def __init__(self, sessions: Documents) -> None:
        self._sessions = sessions

    def create_indexes(self) -> None:
        # Serves list_for_user: equality on owner and liveness, then already in listing order.
        self._sessions.create_index(
            [
                ("user_id", ASCENDING),
                ("deleted", ASCENDING),
                ("updated_at", DESCENDING),
                ("_id", DESCENDING),
            ]
        )

        purging.index_deleted(self._sessions)

    def add(self, session: ChatSession) -> None:
        self._sessions.insert_one(_to_document(session))

    def get(self, session_id: SessionId) -> ChatSession | None:
        return or_none(self._sessions.find_one(_by_id(session_id)), _from_document)

    def list_for_user(self, user_id: UserId, limit: int) -> list[ChatSession]:
        return self.page_for_user(user_id, limit)

    def page_for_user(
        self, user_id: UserId, limit: int, after: Position | None = None
    ) -> list[ChatSession]:
        if limit <= 0:  # pymongo reads a limit of 0 as "no limit"
            return []
        query: Document = {"user_id": object_id(user_id), **LIVE}
        if after is not None:
            query["$or"] = [
                {"updated_at": {"$lt": after.at}},
                {"updated_at": after.at, "_id": {"$lt": object_id(after.id)}},
            ]
        cursor = (
            self._sessions.find(query)
            .sort([("updated_at", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        return [_from_document(document) for document in cursor]

    def update(self, session: ChatSession) -> bool:
        result = self._sessions.update_one(
            {**_by_id(session.id), **LIVE},
            {"$set": {"title": session.title, "updated_at": session.updated_at}},
        )
        return result.matched_count == 1

    def record_message(self, session_id: SessionId, at: datetime) -> None:
        self._sessions.update_one(
            _by_id(session_id),
            {"$inc": {"message_count": 1}, "$set": {"last_message_at": at, "updated_at": at}},
        )

    def record_message_removed(
        self, session_id: SessionId, last_message_at: datetime | None
    ) -> None:
        moved = {"$set": {"last_message_at": last_message_at}}
        # The count filter keeps the decrement from ever going below zero; when it is
        # already zero there is nothing to count down, but the time still moves.
        counted = self._sessions.update_one(
            {**_by_id(session_id), "message_count": {"$gt": 0}},
            {"$inc": {"message_count": -1}, **moved},
        )
        if counted.matched_count == 0:
            self._sessions.update_one(_by_id(session_id), moved)

    def mark_deleted(self, session_id: SessionId, at: datetime) -> bool:
        result = self._sessions.update_one(
            {**_by_id(session_id), **LIVE}, {"$set": deletion_fields(at)}
        )
        return result.modified_count == 1

    def mark_deleted_for_user(self, user_id: UserId, at: datetime) -> list[SessionId]:
        live = {"user_id": object_id(user_id), **LIVE}
        ids = [document["_id"] for document in self._sessions.find(live, {"_id": 1})]
        if ids:
            self._sessions.update_many({"_id": {"$in": ids}, **LIVE}, {"$set": deletion_fields(at)})
        return [SessionId(id_of(session_id)) for session_id in ids]

    def deleted_before(self, cutoff: datetime, limit: int) -> list[SessionId]:
        documents = purging.deleted_before(self._sessions, cutoff, limit)
        return [SessionId(id_of(document["_id"])) for document in documents]

    def remove(self, session_ids: Sequence[SessionId]) -> None:
        purging.delete_ids(self._sessions, session_ids)


def _by_id(session_id: SessionId) -> Document:
    return {"_id": object_id(session_id)}


def _to_document(session: ChatSession) -> Document:
    return {
        "_id": object_id(session.id),
        "user_id": object_id(session.owner_id),
        "title": session.title,
        "message_count": session.message_count,
        "last_message_at": session.last_message_at,
        "created_at": session.created_at,
        "updated_at": session.updated_at,
        **deletion_fields(session.deleted_at),
    }


def _from_document(document: Document) -> ChatSession:
    return ChatSession(
        id=SessionId(id_of(document["_id"])),
        owner_id=UserId(id_of(document["user_id"])),
        title=document["title"],
        message_count=document["message_count"],
        last_message_at=utc_or_none(document["last_message_at"]),
        created_at=utc(document["created_at"]),
        updated_at=utc(document["updated_at"]),
        deleted_at=utc_or_none(document["deleted_at"]),
    )
