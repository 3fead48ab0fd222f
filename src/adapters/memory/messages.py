from collections.abc import Sequence

from adapters.memory.journal import Journal
from adapters.memory.timelines import Timelines
from chatcore.chats.model import Message
from chatcore.shared.ids import MessageId, SessionId
from chatcore.shared.paging import Position


class MemoryMessageRepository(Timelines[Message]):
    def __init__(self, journal: Journal | None = None) -> None:
        super().__init__(lambda message: message.session_id, journal)

    def latest(  # type: ignore[override]
        self, session_id: SessionId, limit: int, before: MessageId | None = None
    ) -> list[Message]:
        return super().latest(session_id, limit, before)

    def page(  # type: ignore[override]
        self, session_id: SessionId, limit: int, before: Position | None = None
    ) -> list[Message]:
        return super().page(session_id, limit, before)

    def remove_for_sessions(self, session_ids: Sequence[SessionId]) -> int:
        return self.remove_groups(session_ids)
