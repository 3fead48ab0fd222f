"""Room rules: names, content, and who may delete what."""

from collections.abc import Callable

import pytest

from adapters.memory import ManualClock
from chatcore.accounts.model import Role, User, UserChanges
from chatcore.core import ChatCore
from chatcore.rooms.model import RoomNotice
from chatcore.shared.errors import Forbidden, InvalidInput, NotFound, Unauthenticated


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


def test_joining_and_leaving_are_announced_at_the_time_they_happen(
    core: ChatCore, clock: ManualClock, make_user: Callable[..., User]
) -> None:
    member = make_user()
    assert core.rooms.join(member, "general") == RoomNotice(
        "general", f"{member.username} joined the room", clock.now()
    )
    assert core.rooms.leave(member, "general") == RoomNotice(
        "general", f"{member.username} left the room", clock.now()
    )


def test_a_deactivated_member_may_not_join(core: ChatCore, make_user: Callable[..., User]) -> None:
    admin, member = make_user(role=Role.ADMIN), make_user()
    joined_as = core.auth.admit(member)
    core.accounts.update(admin, member.id, UserChanges(active=False))
    with pytest.raises(Unauthenticated):
        core.rooms.join(joined_as, "general")
