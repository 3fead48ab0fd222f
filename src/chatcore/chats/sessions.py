"""Chat-session use cases: sessions a user owns and the messages sent in them."""

from collections.abc import Sequence

import attrs

from chatcore.accounts.model import User
from chatcore.chats.model import DEFAULT_TITLE as DEFAULT_TITLE
from chatcore.chats.model import ChatSession, Message, MessageRole, check_content, check_title
from chatcore.chats.ports import MessageRepository, SessionDependents, SessionRepository
from chatcore.search.indexing import message_text
from chatcore.search.ports import SearchIndex
from chatcore.shared.errors import InvalidInput, NotFound
from chatcore.shared.ids import MessageId, SessionId, parse_message_id, parse_session_id
from chatcore.shared.paging import (
    Cursors,
    ListKind,
    Page,
    Position,
    page_backwards,
    page_forwards,
    position_of_id,
)
from chatcore.shared.ports import Clock, IdGenerator
from chatcore.shared.unit_of_work import SeparateWrites, UnitOfWork

SESSIONS_PAGE_MAX = 200
MESSAGES_PAGE_MAX = 1000


def owned_session(sessions: SessionRepository, actor: User, session_id: str) -> ChatSession:
    """One of the actor's live sessions; NotFound for anyone else's."""
    session = sessions.get(parse_session_id(session_id))
    # Another user's session answers exactly as a missing one: its id reveals nothing.
    if session is None or not session.visible_to(actor):
        raise NotFound("Session not found")
    return session


@attrs.define
class ChatSessions:
    clock: Clock
    ids: IdGenerator
    sessions: SessionRepository
    # Not `messages`, as in `Ports`: that name is the method listing them (a public API).
    message_repository: MessageRepository
    # What search reads: a message is indexed as it is sent, forgotten as it is deleted.
    search: SearchIndex
    # What a session delete cascades to (the artifact repository); their counts add up.
    session_dependents: Sequence[SessionDependents] = ()
    # Sending or deleting a message, and deleting a session, write more than once.
    unit_of_work: UnitOfWork = attrs.field(factory=SeparateWrites)

    def create(self, actor: User, title: str | None = None) -> ChatSession:
        """Open a new chat session owned by `actor`."""
        now = self.clock.now()
        session = ChatSession(
            id=SessionId(self.ids.new_id()),
            owner_id=actor.id,
            title=DEFAULT_TITLE if title is None else check_title(title),
            created_at=now,
            updated_at=now,
        )
        self.sessions.add(session)
        return session

    def owned_by(self, actor: User, limit: int = 50) -> list[ChatSession]:
        """The actor's live sessions, most recently updated first."""
        return self.page_owned_by(actor, limit).items

    def page_owned_by(
        self, actor: User, limit: int = 50, cursor: str | None = None
    ) -> Page[ChatSession]:
        """A page of the actor's live sessions, most recently updated first."""
        _check_limit(limit, SESSIONS_PAGE_MAX)
        cursors = Cursors(ListKind.SESSIONS, actor.id)
        after = None if cursor is None else cursors.decode(cursor)
        return page_forwards(
            lambda count: self.sessions.page_for_user(actor.id, count, after),
            limit,
            lambda session: Position(session.updated_at, session.id),
            cursors,
        )

    def get(self, actor: User, session_id: str) -> ChatSession:
        """One of the actor's live sessions; NotFound for anyone else's."""
        return self._owned(actor, session_id)

    def rename(self, actor: User, session_id: str, title: str | None) -> ChatSession:
        """Change a session's title (the only field a session update may set)."""
        session = self._owned(actor, session_id)
        if title is None:
            raise InvalidInput("No fields to update")
        session.rename(title, self.clock.now())
        if not self.sessions.update(session):
            raise NotFound("Session not found")  # deleted meanwhile
        return session

    def delete(self, actor: User, session_id: str) -> int:
        """Soft-delete a session and disable what belongs to it; how many artifacts went."""
        session = self._owned(actor, session_id)
        now = self.clock.now()
        # A deleted session never keeps live artifacts, nor the reverse.
        with self.unit_of_work.atomic():
            if not self.sessions.mark_deleted(session.id, now):
                raise NotFound("Session not found")
            return sum(
                dependents.disable_for_sessions([session.id], now)
                for dependents in self.session_dependents
            )

    def send_message(self, actor: User, session_id: str, content: str) -> Message:
        """Store a message from `actor` in their session and count it."""
        session = self._owned(actor, session_id)
        now = self.clock.now()
        message = Message(
            id=MessageId(self.ids.new_id()),
            session_id=session.id,
            author_id=actor.id,
            content=check_content(content),
            role=MessageRole.USER,
            created_at=now,
            updated_at=now,
        )
        # The message is stored if and only if it is counted, and searchable with it.
        with self.unit_of_work.atomic():
            self.message_repository.add(message)
            self.sessions.record_message(session.id, now)
            self.search.add([message_text(session.owner_id, message)])
        return message

    def messages(
        self, actor: User, session_id: str, limit: int = 100, before: str | None = None
    ) -> list[Message]:
        """The latest `limit` live messages (older than `before`), oldest first."""
        return self.message_page(actor, session_id, limit, before).items

    def message_page(
        self,
        actor: User,
        session_id: str,
        limit: int = 100,
        before: str | None = None,
        cursor: str | None = None,
    ) -> Page[Message]:
        """A page of live messages, newest page first, each page oldest first.

        The page ends before `cursor` (from the previous page; it wins, so that a next
        link that keeps `before` still moves on), else before the message `before`.
        """
        session = self._owned(actor, session_id)
        _check_limit(limit, MESSAGES_PAGE_MAX)
        cursors = Cursors(ListKind.MESSAGES, session.id)
        end: Position | None = None
        if cursor is not None:
            end = cursors.decode(cursor)
        elif before is not None:
            end = self._place_of(parse_message_id(before))
        return page_backwards(
            lambda count: self.message_repository.page(session.id, count, end),
            limit,
            lambda message: Position(message.created_at, message.id),
            cursors,
        )

    def _place_of(self, message_id: MessageId) -> Position:
        message = self.message_repository.get(message_id)
        if message is None:
            # An id we hold no message for still names a second: page back from there.
            return position_of_id(message_id)
        return Position(message.created_at, message.id)

    def delete_message(self, actor: User, session_id: str, message_id: str) -> None:
        """Soft-delete a live message of the actor's session and uncount it."""
        session = self._owned(actor, session_id)
        target = parse_message_id(message_id)
        message = self.message_repository.get(target)
        if message is None or message.session_id != session.id or message.deleted:
            raise NotFound("Message not found")
        # The message is deleted if and only if it is uncounted (and no longer searchable).
        with self.unit_of_work.atomic():
            if not self.message_repository.mark_deleted(message.id, self.clock.now()):
                raise NotFound("Message not found")  # deleted concurrently: counted once only
            newest = self.message_repository.latest(session.id, 1)
            self.sessions.record_message_removed(
                session.id, newest[0].created_at if newest else None
            )
            self.search.remove_items([message.id])

    def _owned(self, actor: User, session_id: str) -> ChatSession:
        return owned_session(self.sessions, actor, session_id)


def _check_limit(limit: int, maximum: int) -> None:
    if not 1 <= limit <= maximum:
        raise InvalidInput(f"limit must be between 1 and {maximum}")
