from collections.abc import Sequence
from datetime import datetime

from adapters.mongo import purging
from adapters.mongo.documents import Document, Documents, id_of, object_id
from adapters.mongo.timelines import Timelines, entry_times
from chatcore.chats.model import Message, MessageRole
from chatcore.shared.ids import MessageId, SessionId, UserId


class MongoMessageRepository(Timelines[Message]):
    def __init__(self, messages: Documents) -> None:
        super().__init__(messages, "session_id", object_id, _fields, _from_document)

    def create_indexes(self) -> None:
        super().create_indexes()
        purging.index_deleted(self._documents)

    def remove_for_sessions(self, session_ids: Sequence[SessionId]) -> int:
        if not session_ids:
            return 0
        # Along the (session_id, deleted, _id) index of the timelines.
        query = {"session_id": {"$in": [object_id(s) for s in session_ids]}}
        return self._documents.delete_many(query).deleted_count

    def remove_deleted_before(self, cutoff: datetime) -> int:
        return purging.delete_deleted_before(self._documents, cutoff)


def _fields(message: Message) -> Document:
    return {
        "session_id": object_id(message.session_id),
        "user_id": object_id(message.author_id),
        "content": message.content,
        "role": message.role.value,
    }


def _from_document(document: Document) -> Message:
    return Message(
        id=MessageId(id_of(document["_id"])),
        session_id=SessionId(id_of(document["session_id"])),
        author_id=UserId(id_of(document["user_id"])),
        content=document["content"],
        role=MessageRole(document["role"]),
        **entry_times(document),
    )
