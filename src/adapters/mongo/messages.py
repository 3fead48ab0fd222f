from adapters.mongo.documents import Document, Documents, id_of, object_id
from adapters.mongo.timelines import Timelines, entry_times
from chatcore.chats import Message, MessageRole
from chatcore.ids import MessageId, SessionId, UserId


class MongoMessageRepository(Timelines[Message]):
    def __init__(self, messages: Documents) -> None:
        super().__init__(messages, "session_id", object_id, _fields, _from_document)


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
