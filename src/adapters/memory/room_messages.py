from adapters.memory.journal import Journal
from adapters.memory.timelines import Timelines
from chatcore.rooms.model import RoomMessage


class MemoryRoomMessageRepository(Timelines[RoomMessage]):
    def __init__(self, journal: Journal | None = None) -> None:
        super().__init__(lambda message: message.room, journal)
