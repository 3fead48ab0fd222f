from datetime import datetime

from pymongo import ASCENDING, DESCENDING

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
from chatcore.chats import Message, MessageRole
from chatcore.ids import MessageId, SessionId, UserId


class MongoMessageRepository:
    def __init__(self, messages: Documents) -> None:
        self._messages = messages

    def create_indexes(self) -> None:
        # latest() is a range scan on this index, whatever the size of the session.
        self._messages.create_index(
            [("session_id", ASCENDING), ("deleted", ASCENDING), ("_id", ASCENDING)]
        )

    def add(self, message: Message) -> None:
        self._messages.insert_one(_to_document(message))

    def get(self, message_id: MessageId) -> Message | None:
        return or_none(self._messages.find_one({"_id": object_id(message_id)}), _from_document)

    def latest(
        self, session_id: SessionId, limit: int, before: MessageId | None = None
    ) -> list[Message]:
        if limit <= 0:  # pymongo reads a limit of 0 as "no limit"
            return []
        query: Document = {"session_id": object_id(session_id), **LIVE}
        if before is not None:
            query["_id"] = {"$lt": object_id(before)}
        cursor = self._messages.find(query).sort("_id", DESCENDING).limit(limit)
        newest_first = [_from_document(document) for document in cursor]
        return newest_first[::-1]

    def mark_deleted(self, message_id: MessageId, at: datetime) -> bool:
        result = self._messages.update_one(
            {"_id": object_id(message_id), **LIVE},
            {"$set": {**deletion_fields(at), "updated_at": at}},
        )
        return result.modified_count == 1


def _to_document(message: Message) -> Document:
    return {
        "_id": object_id(message.id),
        "session_id": object_id(message.session_id),
        "user_id": object_id(message.author_id),
        "content": message.content,
        "role": message.role.value,
        "created_at": message.created_at,
        "updated_at": message.updated_at,
        **deletion_fields(message.deleted_at),
    }


def _from_document(document: Document) -> Message:
    return Message(
        id=MessageId(id_of(document["_id"])),
        session_id=SessionId(id_of(document["session_id"])),
        author_id=UserId(id_of(document["user_id"])),
        content=document["content"],
        role=MessageRole(document["role"]),
        created_at=utc(document["created_at"]),
        updated_at=utc(document["updated_at"]),
        deleted_at=utc_or_none(document["deleted_at"]),
    )
