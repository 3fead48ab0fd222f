"""Revoking a user's sign-ins reaches their open room connections: told, and re-checked."""

from collections.abc import Callable

import attrs
import pytest

from adapters.memory import ManualClock, MemoryOutbox
from chatcore.accounts.model import Role, User, UserChanges
from chatcore.core import ChatCore
from chatcore.shared.errors import Unauthenticated
from chatcore.shared.ids import UserId
from tests.unit.conftest import PASSWORD, memory_core


class SignOutsHeard:
    """SignOutNotices that keeps what it was told, in order."""

    def __init__(self) -> None:
        self.users: list[UserId] = []

    def signed_out(self, user_id: UserId) -> None:
        self.users.append(user_id)


@pytest.fixture
def heard() -> SignOutsHeard:
    return SignOutsHeard()


@pytest.fixture
def core(clock: ManualClock, outbox: MemoryOutbox, heard: SignOutsHeard) -> ChatCore:
    # The use cases take their ports when they are built: the notices go in then.
    ports = memory_core(clock, outbox).ports
    return ChatCore.from_ports(attrs.evolve(ports, sign_outs=heard))


def test_deactivation_deletion_and_reset_are_told(
    core: ChatCore, outbox: MemoryOutbox, make_user: Callable[..., User], heard: SignOutsHeard
) -> None:
    admin = make_user(role=Role.ADMIN)
    deactivated, deleted, reset = make_user(), make_user(), make_user()
    core.accounts.update(admin, deactivated.id, UserChanges(active=False))
    core.accounts.delete(deleted, deleted.id)
    core.auth.request_password_reset(reset.email)
    core.auth.reset_password(outbox.token(reset.email, "Reset"), "NewPassword1")
    assert heard.users == [deactivated.id, deleted.id, reset.id]


def test_password_and_email_changes_are_told(
    core: ChatCore, make_user: Callable[..., User], heard: SignOutsHeard
) -> None:
    admin, user, moved = make_user(role=Role.ADMIN), make_user(), make_user()
    core.accounts.update(
        user, user.id, UserChanges(password="NewPassword1", current_password=PASSWORD)
    )
    core.accounts.update(admin, moved.id, UserChanges(email="moved@example.com"))
    assert heard.users == [user.id, moved.id]


def test_refresh_token_reuse_is_told(
    core: ChatCore, make_user: Callable[..., User], heard: SignOutsHeard
) -> None:
    user = make_user()
    first = core.auth.login(user.email, PASSWORD)
    core.auth.refresh(first.refresh.token)
    assert heard.users == []
    with pytest.raises(Unauthenticated):
        core.auth.refresh(first.refresh.token)
    assert heard.users == [user.id]


def test_changes_that_leave_sign_ins_standing_are_not_told(
    core: ChatCore, make_user: Callable[..., User], heard: SignOutsHeard
) -> None:
    admin, user = make_user(role=Role.ADMIN), make_user()
    core.accounts.update(admin, user.id, UserChanges(tier=None, role=Role.ADMIN))
    core.accounts.update(admin, user.id, UserChanges(active=True))
    assert heard.users == []


@pytest.mark.parametrize("revoke", ["deactivate", "delete", "reset"])
def test_a_member_signed_out_since_joining_cannot_post(
    core: ChatCore, outbox: MemoryOutbox, make_user: Callable[..., User], revoke: str
) -> None:
    admin, member = make_user(role=Role.ADMIN), make_user()
    joined_as = core.auth.admit(member)  # the member as their connection holds them
    core.rooms.post(joined_as, "general", "before")
    if revoke == "deactivate":
        core.accounts.update(admin, member.id, UserChanges(active=False))
    elif revoke == "delete":
        core.accounts.delete(admin, member.id)
    else:
        core.auth.request_password_reset(member.email)
        core.auth.reset_password(outbox.token(member.email, "Reset"), "NewPassword1")
    with pytest.raises(Unauthenticated):
        core.rooms.check_member(joined_as)  # as the socket asks once it has joined
    with pytest.raises(Unauthenticated):
        core.rooms.post(joined_as, "general", "after")
    assert [m.content for m in core.rooms.history(admin, "general")] == ["before"]


def test_a_member_posts_under_their_current_username(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    member = make_user()
    joined_as = core.auth.admit(member)
    core.accounts.update(member, member.id, UserChanges(username="renamed"))
    assert core.rooms.post(joined_as, "general", "hi").username == "renamed"
