from typing import Any

from tests.builders import a_message, at, new_id


def _send(database: Any, session_id: str, count: int) -> list[Any]:
    messages = [a_message(session_id, new_id(), created_at=at(i)) for i in range(count)]
    for message in messages:
        database.messages.add(message)
    return messages


def test_added_message_comes_back_whole(database: Any) -> None:
    message = a_message(new_id(), new_id(), content="héllo 👋")
    database.messages.add(message)
    assert database.messages.get(message.id) == message


def test_latest_messages_come_oldest_first(database: Any) -> None:
    session_id = new_id()
    messages = _send(database, session_id, 5)
    _send(database, new_id(), 3)
    assert database.messages.latest(session_id, 3) == messages[2:]
    assert database.messages.latest(session_id, 100) == messages


def test_before_pages_further_back(database: Any) -> None:
    session_id = new_id()
    messages = _send(database, session_id, 6)
    assert database.messages.latest(session_id, 2, before=messages[4].id) == messages[2:4]
    assert database.messages.latest(session_id, 10, before=messages[0].id) == []


def test_deleted_messages_are_skipped(database: Any) -> None:
    session_id = new_id()
    messages = _send(database, session_id, 4)
    assert database.messages.mark_deleted(messages[3].id, at(99)) is True
    assert database.messages.mark_deleted(messages[1].id, at(99)) is True
    assert database.messages.latest(session_id, 2) == [messages[0], messages[2]]


def test_a_message_is_deleted_once(database: Any) -> None:
    message = a_message(new_id(), new_id())
    database.messages.add(message)
    assert database.messages.mark_deleted(message.id, at(5)) is True
    assert database.messages.mark_deleted(message.id, at(6)) is False
    stored = database.messages.get(message.id)
    assert stored.deleted_at == at(5) and stored.deleted
