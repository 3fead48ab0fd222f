from adapters.memory.timelines import Timelines
from chatcore.rooms.model import RoomMessage


class MemoryRoomMessageRepository(Timelines[RoomMessage]):
    def __init__(self) -> None:
        super().__init__(lambda message: message.room)
