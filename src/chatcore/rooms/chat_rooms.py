"""Room use cases: posting to, reading and deleting from open chat rooms."""

import attrs

from chatcore.accounts.model import User
from chatcore.accounts.ports import UserRepository
from chatcore.rooms.model import RoomMessage, RoomNotice, check_room, check_room_content
from chatcore.rooms.ports import RoomMessageRepository
from chatcore.shared.errors import Forbidden, InvalidInput, NotFound, Unauthenticated
from chatcore.shared.ids import RoomMessageId, parse_message_id
from chatcore.shared.paging import Cursors, ListKind, Page, Position, page_backwards
from chatcore.shared.ports import Clock, IdGenerator

HISTORY_PAGE_MAX = 100


@attrs.define
class ChatRooms:
    clock: Clock
    ids: IdGenerator
    users: UserRepository
    room_messages: RoomMessageRepository

    def check_member(self, member: User) -> User:
        """`member` as stored now, if the sign-in they joined a room with still stands.

        A room connection outlives the token that opened it: Unauthenticated once the
        account is deleted or deactivated, or the user's tokens were revoked since.
        """
        current = self.users.get(member.id)
        if current is None or not current.still_signed_in(member.token_generation):
            raise Unauthenticated("Signed out: sign in again")
        return current

    def join(self, member: User, room: str) -> RoomNotice:
        """Let `member` into `room`, while their sign-in still stands; the notice to the room."""
        current = self.check_member(member)
        return RoomNotice.joined(check_room(room), current.username, self.clock.now())

    def leave(self, member: User, room: str) -> RoomNotice:
        """The notice to `room` that `member` has gone (however they went)."""
        return RoomNotice.left(check_room(room), member.username, self.clock.now())

    def post(self, member: User, room: str, content: str) -> RoomMessage:
        """Store a message in `room` from `member`, while their sign-in still stands."""
        author = self.check_member(member)
        now = self.clock.now()
        message = RoomMessage(
            id=RoomMessageId(self.ids.new_id()),
            room=check_room(room),
            author_id=author.id,
            username=author.username,
            content=check_room_content(content),
            created_at=now,
            updated_at=now,
        )
        self.room_messages.add(message)
        return message

    def history(self, actor: User, room: str, limit: int = 50) -> list[RoomMessage]:
        """The latest `limit` live messages of `room`, oldest first."""
        return self.history_page(actor, room, limit).items

    def history_page(
        self, actor: User, room: str, limit: int = 50, cursor: str | None = None
    ) -> Page[RoomMessage]:
        """A page of the room's live messages, newest page first, each page oldest first."""
        if not 1 <= limit <= HISTORY_PAGE_MAX:
            raise InvalidInput(f"limit must be between 1 and {HISTORY_PAGE_MAX}")
        name = check_room(room)
        cursors = Cursors(ListKind.ROOM_HISTORY, name)
        end = None if cursor is None else cursors.decode(cursor)
        return page_backwards(
            lambda count: self.room_messages.page(name, count, end),
            limit,
            lambda message: Position(message.created_at, message.id),
            cursors,
        )

    def delete(self, actor: User, message_id: str) -> RoomMessage:
        """Soft-delete a room message; only its author may."""
        message = self.room_messages.get(RoomMessageId(parse_message_id(message_id)))
        if message is None or message.deleted:
            raise NotFound("Message not found")
        if message.author_id != actor.id:
            raise Forbidden("Not authorized to delete this message")
        if not self.room_messages.mark_deleted(message.id, self.clock.now()):
            raise NotFound("Message not found")
        return message
