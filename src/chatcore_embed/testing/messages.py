"""The contract of `chatcore.ports.MessageRepository`."""

import pytest

from chatcore.chats import Message
from chatcore.ids import MessageId, SessionId
from chatcore.ports import MessageRepository
from chatcore_embed.testing.builders import a_message, at, new_id


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
