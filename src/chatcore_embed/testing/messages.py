"""The contract of `chatcore.ports.MessageRepository`."""

import random

import pytest

from chatcore.chats.model import Message
from chatcore.chats.ports import MessageRepository
from chatcore.shared.ids import MessageId, SessionId
from chatcore.shared.paging import Position
from chatcore_embed.testing.builders import a_message, at, new_id
from chatcore_embed.testing.walks import PAGE, WALKED, millisecond, shuffled_ids, visited_once, walk


def _place(message: Message) -> Position:
    return Position(message.created_at, message.id)


def _send(messages: MessageRepository, session_id: SessionId, count: int) -> list[Message]:
    sent = [a_message(session_id, new_id(), created_at=at(i)) for i in range(count)]
    for message in sent:
        messages.add(message)
    return sent


class MessageRepositoryContract:
    """What every MessageRepository promises; an adapter is done when this suite passes.

    Subclass it in a test module (`class Test…(MessageRepositoryContract)`) and define the
    `messages` fixture: an empty repository, fresh for each test.
    """

    @pytest.fixture
    def messages(self) -> MessageRepository:
        pytest.fail(f"{type(self).__name__} must define the `messages` fixture", pytrace=False)

    def test_added_message_comes_back_whole(self, messages: MessageRepository) -> None:
        message = a_message(new_id(), new_id(), content="héllo 👋")
        messages.add(message)
        assert messages.get(message.id) == message

    def test_latest_messages_come_oldest_first(self, messages: MessageRepository) -> None:
        session_id = SessionId(new_id())
        sent = _send(messages, session_id, 5)
        _send(messages, SessionId(new_id()), 3)
        assert messages.latest(session_id, 3) == sent[2:]
        assert messages.latest(session_id, 100) == sent

    def test_before_pages_further_back(self, messages: MessageRepository) -> None:
        session_id = SessionId(new_id())
        sent = _send(messages, session_id, 6)
        assert messages.latest(session_id, 2, before=sent[4].id) == sent[2:4]
        assert messages.latest(session_id, 10, before=sent[0].id) == []

    def test_deleted_messages_are_skipped(self, messages: MessageRepository) -> None:
        session_id = SessionId(new_id())
        sent = _send(messages, session_id, 4)
        assert messages.mark_deleted(sent[3].id, at(99)) is True
        assert messages.mark_deleted(sent[1].id, at(99)) is True
        assert messages.latest(session_id, 2) == [sent[0], sent[2]]

    def test_a_message_is_deleted_once(self, messages: MessageRepository) -> None:
        message = a_message(new_id(), new_id())
        messages.add(message)
        assert messages.mark_deleted(message.id, at(5)) is True
        assert messages.mark_deleted(message.id, at(6)) is False
        stored = messages.get(message.id)
        assert stored is not None and stored.deleted_at == at(5) and stored.deleted

    def test_an_unknown_message_is_none(self, messages: MessageRepository) -> None:
        assert messages.get(MessageId(new_id())) is None

    def test_messages_are_placed_by_accept_time_then_id(self, messages: MessageRepository) -> None:
        # Ids from two processes within one second sort by the processes' random bytes.
        session_id = SessionId(new_id())
        first = a_message(session_id, new_id(), id=MessageId("f" * 24), created_at=at(1))
        tied = [
            a_message(session_id, new_id(), id=MessageId(c * 24), created_at=at(2)) for c in "ba"
        ]
        last = a_message(session_id, new_id(), id=MessageId("0" * 24), created_at=at(3))
        for message in (last, *tied, first):
            messages.add(message)
        in_order = [first, tied[1], tied[0], last]
        assert messages.latest(session_id, 10) == in_order
        assert messages.latest(session_id, 10, before=last.id) == in_order[:3]
        assert messages.page(session_id, 10, _place(tied[0])) == in_order[:2]
        assert messages.page(session_id, 1, _place(last)) == [tied[0]]

    def test_a_walk_back_through_the_pages_visits_each_message_once(
        self, messages: MessageRepository
    ) -> None:
        session_id = SessionId(new_id())
        ids = shuffled_ids(WALKED, seed=155)
        existing = [
            a_message(session_id, new_id(), id=MessageId(ids[n]), created_at=millisecond(n // 3))
            for n in range(WALKED)
        ]
        for message in random.Random(15).sample(existing, WALKED):
            messages.add(message)
        arrivals = iter(shuffled_ids(WALKED, seed=158))

        def send_another(pages_read: int) -> None:
            # Sent while the client reads: newer than every page it is walking back through.
            arrival = MessageId(next(arrivals))
            messages.add(
                a_message(
                    session_id, new_id(), id=arrival, created_at=millisecond(WALKED + pages_read)
                )
            )

        pages = walk(
            lambda before: messages.page(session_id, PAGE, before),
            lambda found: _place(found[0]),
            send_another,
        )
        visited_once(pages, existing, changed=set())
        # Newest page first, each page oldest first: reversed, the pages are the history.
        assert [message for found in reversed(pages) for message in found] == sorted(
            existing, key=_place
        )
