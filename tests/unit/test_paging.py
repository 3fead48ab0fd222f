"""Cursors: opaque, bound to the list they were made for, refused when not ours."""

from datetime import UTC, datetime

import pytest

from chatcore.shared.errors import InvalidInput
from chatcore.shared.paging import Cursors, ListKind, Position, position_of_id
from tests.builders import new_id

PLACE = Position(datetime(2025, 11, 4, 10, 15, 0, 123000, tzinfo=UTC), new_id())


def test_a_cursor_names_its_position_to_the_millisecond() -> None:
    cursors = Cursors(ListKind.MESSAGES, new_id())
    cursor = cursors.encode(PLACE)
    assert cursors.decode(cursor) == PLACE
    assert cursor.replace("-", "").replace("_", "").isalnum()  # safe in a URL as it is


def test_a_cursor_serves_only_the_list_it_was_made_for() -> None:
    session = new_id()
    cursor = Cursors(ListKind.MESSAGES, session).encode(PLACE)
    for other in (
        Cursors(ListKind.MESSAGES, new_id()),  # another session's messages
        Cursors(ListKind.ARTIFACTS, session),  # another list of the same session
        Cursors(ListKind.SESSIONS, session),
    ):
        with pytest.raises(InvalidInput, match="Invalid cursor"):
            other.decode(cursor)


@pytest.mark.parametrize("cursor", ["", "x", "not a cursor", "%%%", "é" * 10, "A" * 201])
def test_anything_else_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidInput, match="Invalid cursor"):
        Cursors(ListKind.SESSIONS, new_id()).decode(cursor)


def test_every_altered_character_is_noticed() -> None:
    cursors = Cursors(ListKind.ROOM_HISTORY, "general")
    cursor = cursors.encode(PLACE)
    for index in range(len(cursor)):
        changed = "B" if cursor[index] == "A" else "A"
        altered = cursor[:index] + changed + cursor[index + 1 :]
        with pytest.raises(InvalidInput):
            cursors.decode(altered)


def test_an_unknown_id_is_placed_at_its_second() -> None:
    second = datetime(2025, 11, 4, 10, 15, 7, tzinfo=UTC)
    made_then = f"{int(second.timestamp()):08x}" + "0" * 16
    assert position_of_id(made_then) == Position(second, made_then)
