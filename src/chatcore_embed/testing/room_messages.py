"""The contract of `chatcore.ports.RoomMessageRepository`."""

import pytest

from chatcore.ids import RoomMessageId
from chatcore.ports import RoomMessageRepository
from chatcore_embed.testing.builders import a_room_message, at, new_id


class RoomMessageRepositoryContract:
    """What every RoomMessageRepository promises; an adapter is done when this suite passes.

    Subclass it in a test module (`class Test…(RoomMessageRepositoryContract)`) and define
    the `room_messages` fixture: an empty repository, fresh for each test.
    """

    @pytest.fixture
    def room_messages(self) -> RoomMessageRepository:
        pytest.fail(f"{type(self).__name__} must define the `room_messages` fixture", pytrace=False)

    def test_added_message_comes_back_whole(self, room_messages: RoomMessageRepository) -> None:
        message = a_room_message(content="héllo 👋", username="jane.doe")
        room_messages.add(message)
        assert room_messages.get(message.id) == message
        assert room_messages.get(RoomMessageId(new_id())) is None

    def test_latest_messages_of_a_room_come_oldest_first(
        self, room_messages: RoomMessageRepository
    ) -> None:
        general = [a_room_message("general", created_at=at(i)) for i in range(5)]
        for message in general:
            room_messages.add(message)
        room_messages.add(a_room_message("random"))
        assert room_messages.latest("general", 3) == general[2:]
        assert room_messages.latest("general", 50) == general
        assert room_messages.latest("empty", 50) == []

    def test_room_names_are_case_sensitive(self, room_messages: RoomMessageRepository) -> None:
        room_messages.add(a_room_message("General"))
        assert room_messages.latest("general", 50) == []

    def test_deleted_messages_are_skipped_and_deleted_once(
        self, room_messages: RoomMessageRepository
    ) -> None:
        posted = [a_room_message("general") for _ in range(3)]
        for message in posted:
            room_messages.add(message)
        assert room_messages.mark_deleted(posted[1].id, at(9)) is True
        assert room_messages.mark_deleted(posted[1].id, at(10)) is False
        assert room_messages.latest("general", 50) == [posted[0], posted[2]]
        stored = room_messages.get(posted[1].id)
        assert stored is not None and stored.deleted_at == at(9) and stored.updated_at == at(9)
