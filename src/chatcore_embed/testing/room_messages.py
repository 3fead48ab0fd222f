"""The contract of `chatcore.ports.RoomMessageRepository`."""

import random

import pytest

from chatcore.rooms.model import RoomMessage
from chatcore.rooms.ports import RoomMessageRepository
from chatcore.shared.ids import RoomMessageId
from chatcore.shared.paging import Position
from chatcore_embed.testing.builders import a_room_message, at, new_id
from chatcore_embed.testing.walks import PAGE, WALKED, millisecond, shuffled_ids, visited_once, walk


def _place(message: RoomMessage) -> Position:
    return Position(message.created_at, message.id)


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

    def test_room_messages_are_placed_by_accept_time_then_id(
        self, room_messages: RoomMessageRepository
    ) -> None:
        # Ids from two processes within one second sort by the processes' random bytes.
        first = a_room_message(id=RoomMessageId("f" * 24), created_at=at(1))
        tied = [a_room_message(id=RoomMessageId(c * 24), created_at=at(2)) for c in "ba"]
        last = a_room_message(id=RoomMessageId("0" * 24), created_at=at(3))
        for message in (last, *tied, first):
            room_messages.add(message)
        in_order = [first, tied[1], tied[0], last]
        assert room_messages.latest("general", 10) == in_order
        assert room_messages.page("general", 10, _place(tied[0])) == in_order[:2]
        assert room_messages.page("general", 1, _place(last)) == [tied[0]]

    def test_a_walk_back_through_the_pages_visits_each_message_once(
        self, room_messages: RoomMessageRepository
    ) -> None:
        ids = shuffled_ids(WALKED, seed=255)
        existing = [
            a_room_message("general", id=RoomMessageId(ids[n]), created_at=millisecond(n // 3))
            for n in range(WALKED)
        ]
        for message in random.Random(25).sample(existing, WALKED):
            room_messages.add(message)
        room_messages.add(a_room_message("elsewhere", created_at=millisecond(1)))
        arrivals = iter(shuffled_ids(WALKED, seed=258))

        def post_another(pages_read: int) -> None:
            # Posted while the client reads: newer than every page it is walking back through.
            arrival = RoomMessageId(next(arrivals))
            room_messages.add(
                a_room_message("general", id=arrival, created_at=millisecond(WALKED + pages_read))
            )

        pages = walk(
            lambda before: room_messages.page("general", PAGE, before),
            lambda found: _place(found[0]),
            post_another,
        )
        visited_once(pages, existing, changed=set())
        assert [message for found in reversed(pages) for message in found] == sorted(
            existing, key=_place
        )
