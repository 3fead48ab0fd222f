import bisect
import threading
from datetime import datetime

import attrs

from chatcore.chats import Message
from chatcore.ids import MessageId, SessionId


class MemoryMessageRepository:
    """Messages by id, plus each session's ids kept sorted, so the latest are a slice away."""

    def __init__(self) -> None:
        self._messages: dict[MessageId, Message] = {}
        self._by_session: dict[SessionId, list[MessageId]] = {}
        self._lock = threading.Lock()

    def add(self, message: Message) -> None:
        with self._lock:
            self._messages[message.id] = attrs.evolve(message)
            bisect.insort(self._by_session.setdefault(message.session_id, []), message.id)

    def get(self, message_id: MessageId) -> Message | None:
        with self._lock:
            message = self._messages.get(message_id)
            return attrs.evolve(message) if message is not None else None

    def latest(
        self, session_id: SessionId, limit: int, before: MessageId | None = None
    ) -> list[Message]:
        with self._lock:
            ids = self._by_session.get(session_id, [])
            end = len(ids) if before is None else bisect.bisect_left(ids, before)
            found: list[Message] = []
            for index in range(end - 1, -1, -1):
                message = self._messages[ids[index]]
                if message.deleted_at is None:
                    found.append(attrs.evolve(message))
                    if len(found) == limit:
                        break
        found.reverse()
        return found

    def mark_deleted(self, message_id: MessageId, at: datetime) -> bool:
        with self._lock:
            message = self._messages.get(message_id)
            if message is None or message.deleted_at is not None:
                return False
            message.deleted_at = at
            message.updated_at = at
            return True
