from datetime import datetime

from adapters.mongo import purging
from adapters.mongo.documents import Document, Documents, id_of, object_id
from adapters.mongo.timelines import Timelines, entry_times
from chatcore.rooms.model import RoomMessage
from chatcore.shared.ids import RoomMessageId, UserId


class MongoRoomMessageRepository(Timelines[RoomMessage]):
    def __init__(self, room_messages: Documents) -> None:
        # Room names are kept as given: they compare case-sensitively.
        super().__init__(room_messages, "room", str, _fields, _from_document)

    def create_indexes(self) -> None:
        super().create_indexes()
        purging.index_deleted(self._documents)

    def remove_deleted_before(self, cutoff: datetime) -> int:
        return purging.delete_deleted_before(self._documents, cutoff)


def _fields(message: RoomMessage) -> Document:
    return {
        "room": message.room,
        "user_id": object_id(message.author_id),
        "username": message.username,
        "content": message.content,
    }


def _from_document(document: Document) -> RoomMessage:
    return RoomMessage(
        id=RoomMessageId(id_of(document["_id"])),
        room=document["room"],
        author_id=UserId(id_of(document["user_id"])),
        username=document["username"],
        content=document["content"],
        **entry_times(document),
    )
