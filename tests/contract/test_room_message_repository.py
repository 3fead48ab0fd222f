from typing import Any

from tests.builders import a_room_message, at, new_id


def test_added_message_comes_back_whole(database: Any) -> None:
    message = a_room_message(content="héllo 👋", username="jane.doe")
    database.room_messages.add(message)
    assert database.room_messages.get(message.id) == message
    assert database.room_messages.get(new_id()) is None


def test_latest_messages_of_a_room_come_oldest_first(database: Any) -> None:
    general = [a_room_message("general", created_at=at(i)) for i in range(5)]
    for message in general:
        database.room_messages.add(message)
    database.room_messages.add(a_room_message("random"))
    assert database.room_messages.latest("general", 3) == general[2:]
    assert database.room_messages.latest("general", 50) == general
    assert database.room_messages.latest("empty", 50) == []


def test_room_names_are_case_sensitive(database: Any) -> None:
    database.room_messages.add(a_room_message("General"))
    assert database.room_messages.latest("general", 50) == []


def test_deleted_messages_are_skipped_and_deleted_once(database: Any) -> None:
    messages = [a_room_message("general") for _ in range(3)]
    for message in messages:
        database.room_messages.add(message)
    assert database.room_messages.mark_deleted(messages[1].id, at(9)) is True
    assert database.room_messages.mark_deleted(messages[1].id, at(10)) is False
    assert database.room_messages.latest("general", 50) == [messages[0], messages[2]]
    stored = database.room_messages.get(messages[1].id)
    assert stored.deleted_at == at(9) and stored.updated_at == at(9)
