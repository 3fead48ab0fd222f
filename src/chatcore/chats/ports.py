"""What chat sessions need: session and message storage, and what hangs off a session."""

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from chatcore.chats.model import ChatSession, Message
from chatcore.shared.ids import MessageId, SessionId, UserId
from chatcore.shared.paging import Position


class SessionRepository(Protocol):
    def add(self, session: ChatSession) -> None: ...

    def get(self, session_id: SessionId) -> ChatSession | None:
        """The session with this id, deleted or not."""
        ...

    def list_for_user(self, user_id: UserId, limit: int) -> list[ChatSession]:
        """The user's live sessions, most recently updated first."""
        ...

    def page_for_user(
        self, user_id: UserId, limit: int, after: Position | None = None
    ) -> list[ChatSession]:
        """Up to `limit` live sessions of the user, most recently updated first, that come
        after the position (updated_at, id) `after` in that order; read along an index."""
        ...

    def update(self, session: ChatSession) -> bool:
        """Store the session's title and updated_at, if it is still live; False if not.

        Only what the session's own transitions change (`ChatSession.rename`): the message
        counters and the deletion have atomic verbs of their own, so an update never undoes
        a send or a delete that came in meanwhile.
        """
        ...

    def record_message(self, session_id: SessionId, at: datetime) -> None:
        """Count one more live message; move last_message_at and updated_at — atomically.

        An increment in storage, not a read-modify-write of the entity: concurrent sends
        (in any processes sharing the database) must each be counted (docs/decisions.md).
        """
        ...

    def record_message_removed(
        self, session_id: SessionId, last_message_at: datetime | None
    ) -> None:
        """Count one live message fewer (never below zero) and set last_message_at — atomically."""
        ...

    def mark_deleted(self, session_id: SessionId, at: datetime) -> bool:
        """Soft-delete a live session; False if it was not live."""
        ...

    def mark_deleted_for_user(self, user_id: UserId, at: datetime) -> list[SessionId]:
        """Soft-delete every live session of the user; the ids of those deleted."""
        ...

    def deleted_before(self, cutoff: datetime, limit: int) -> list[SessionId]:
        """Ids of at most `limit` sessions soft-deleted before `cutoff` (due for purging)."""
        ...

    def remove(self, session_ids: Sequence[SessionId]) -> None:
        """Forget these sessions for good (not their messages); ids already gone are no error."""
        ...


class MessageRepository(Protocol):
    def add(self, message: Message) -> None: ...

    def get(self, message_id: MessageId) -> Message | None:
        """The message with this id, deleted or not."""
        ...

    def latest(
        self, session_id: SessionId, limit: int, before: MessageId | None = None
    ) -> list[Message]:
        """The newest `limit` live messages (placed before message `before`), oldest first.

        Messages are placed by (created_at, id): the time the server accepted them, the id
        breaking ties. Must cost the same however many messages the session holds (an
        index, not a scan).
        """
        ...

    def page(
        self, session_id: SessionId, limit: int, before: Position | None = None
    ) -> list[Message]:
        """The newest `limit` live messages whose (created_at, id) is below `before`,
        oldest first; as cheap as `latest`."""
        ...

    def mark_deleted(self, message_id: MessageId, at: datetime) -> bool:
        """Soft-delete a live message; False if it was not live (so counts drop once)."""
        ...

    def remove_for_sessions(self, session_ids: Sequence[SessionId]) -> int:
        """Forget every message of these sessions, deleted or not; how many there were."""
        ...

    def remove_deleted_before(self, cutoff: datetime) -> int:
        """Forget the messages soft-deleted before `cutoff`; how many there were."""
        ...


class SessionDependents(Protocol):
    """Things that belong to chat sessions and are disabled when their session goes."""

    def disable_for_sessions(self, session_ids: Sequence[SessionId], at: datetime) -> int:
        """Soft-delete what belongs to these sessions; how many things were disabled."""
        ...
