"""Room rules: names, content, and who may delete what."""

from collections.abc import Callable

import pytest

from chatcore.accounts.model import User
from chatcore.core import ChatCore
from chatcore.shared.errors import Forbidden, InvalidInput, NotFound


@pytest.mark.parametrize("room", ["", "x" * 65, "has space", "slash/y", "ünï", ".", ".."])
def test_invalid_room_names(core: ChatCore, make_user: Callable[..., User], room: str) -> None:
    with pytest.raises(InvalidInput):
        core.rooms.post(make_user(), room, "hello")


def test_history_is_oldest_first_and_skips_deleted(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    user = make_user()
    first, second, third = (core.rooms.post(user, "general", f"m{i}") for i in range(3))
    core.rooms.delete(user, second.id)
    assert [m.id for m in core.rooms.history(user, "general")] == [first.id, third.id]
    assert [m.id for m in core.rooms.history(user, "general", limit=1)] == [third.id]


def test_only_the_author_deletes(core: ChatCore, make_user: Callable[..., User]) -> None:
    author, other = make_user(), make_user()
    message = core.rooms.post(author, "general", "mine")
    with pytest.raises(Forbidden):
        core.rooms.delete(other, message.id)
    core.rooms.delete(author, message.id)
    with pytest.raises(NotFound):
        core.rooms.delete(author, message.id)


@pytest.mark.parametrize("content", ["", "   ", "x" * 4001])
def test_room_content_rules(core: ChatCore, make_user: Callable[..., User], content: str) -> None:
    with pytest.raises(InvalidInput):
        core.rooms.post(make_user(), "general", content)
