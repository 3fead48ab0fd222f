"""Registration, login, tokens and their lifetimes, over in-memory adapters."""

from collections.abc import Callable
from datetime import timedelta

import pytest

from adapters.memory import ManualClock, MemoryOutbox
from chatcore.accounts.model import Role, Tier, User, UserChanges
from chatcore.core import ChatCore
from chatcore.shared.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from tests.unit.conftest import PASSWORD


def test_registration_defaults_and_verification_email(core: ChatCore, outbox: MemoryOutbox) -> None:
    user = core.auth.register("johndoe", "John@Example.com", PASSWORD)
    assert (user.role, user.tier, user.verified, user.active) == (
        Role.USER, Tier.FREE, False, True,
    )  # fmt: skip
    assert user.email == "john@example.com"
    assert "token=" in outbox.sent[-1].body and outbox.sent[-1].to == "john@example.com"


def test_emails_and_usernames_are_unique(core: ChatCore) -> None:
    core.auth.register("johndoe", "john@example.com", PASSWORD)
    with pytest.raises(Conflict):
        core.auth.register("other", "JOHN@example.com", PASSWORD)
    with pytest.raises(Conflict):
        core.auth.register("JohnDoe", "other@example.com", PASSWORD)


@pytest.mark.parametrize(
    ("username", "email", "password"),
    [
        ("jo", "john@example.com", PASSWORD),
        ("john doe", "john@example.com", PASSWORD),
        ("x" * 33, "john@example.com", PASSWORD),
        ("johndoe", "john.example.com", PASSWORD),
        ("johndoe", "john@example.com", "short"),
        ("johndoe", "john@example.com", "x" * 129),
    ],
)
def test_registration_rules(core: ChatCore, username: str, email: str, password: str) -> None:
    with pytest.raises(InvalidInput):
        core.auth.register(username, email, password)


def test_login_gates(core: ChatCore, make_user: Callable[..., User]) -> None:
    unverified = make_user(verified=False)
    with pytest.raises(Forbidden):
        core.auth.login(unverified.email, PASSWORD)
    with pytest.raises(Unauthenticated):
        core.auth.login(unverified.email, "wrong password")
    with pytest.raises(Unauthenticated):
        core.auth.login("nobody@example.com", PASSWORD)


def test_access_tokens_expire_after_an_hour(
    core: ChatCore, clock: ManualClock, make_user: Callable[..., User]
) -> None:
    user = make_user()
    signed_in = core.auth.login(user.email, PASSWORD)
    assert signed_in.access.claims.expires_at == clock.now() + timedelta(minutes=60)
    clock.advance(timedelta(minutes=59))
    assert core.auth.authenticate(signed_in.access.token).id == user.id
    clock.advance(timedelta(minutes=1))
    with pytest.raises(Unauthenticated):
        core.auth.authenticate(signed_in.access.token)


def test_refresh_tokens_last_thirty_days(
    core: ChatCore, clock: ManualClock, make_user: Callable[..., User]
) -> None:
    user = make_user()
    signed_in = core.auth.login(user.email, PASSWORD)
    clock.advance(timedelta(days=30))
    with pytest.raises(Unauthenticated):
        core.auth.refresh(signed_in.refresh.token)


def test_refresh_rotates_and_reuse_revokes_everything(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    user = make_user()
    first = core.auth.login(user.email, PASSWORD)
    other_device = core.auth.login(user.email, PASSWORD)
    second = core.auth.refresh(first.refresh.token)
    with pytest.raises(Unauthenticated):
        core.auth.refresh(first.refresh.token)
    for token in (second.refresh.token, other_device.refresh.token):
        with pytest.raises(Unauthenticated):
            core.auth.refresh(token)


def test_reset_tokens_live_an_hour_and_revoke_earlier_tokens(
    core: ChatCore, clock: ManualClock, outbox: MemoryOutbox, make_user: Callable[..., User]
) -> None:
    user = make_user()
    signed_in = core.auth.login(user.email, PASSWORD)
    core.auth.request_password_reset(user.email)
    late = outbox.token(user.email, "Reset")
    clock.advance(timedelta(hours=1))
    with pytest.raises(InvalidInput):
        core.auth.reset_password(late, "NewPassword1")
    core.auth.request_password_reset(user.email)
    core.auth.reset_password(outbox.token(user.email, "Reset"), "NewPassword1")
    with pytest.raises(Unauthenticated):
        core.auth.authenticate(signed_in.access.token)
    with pytest.raises(Unauthenticated):
        core.auth.refresh(signed_in.refresh.token)
    assert core.auth.login(user.email, "NewPassword1").user.id == user.id


def test_a_new_reset_link_replaces_the_old(
    core: ChatCore, outbox: MemoryOutbox, make_user: Callable[..., User]
) -> None:
    user = make_user()
    core.auth.request_password_reset(user.email)
    old = outbox.token(user.email, "Reset")
    core.auth.request_password_reset(user.email)
    with pytest.raises(InvalidInput):
        core.auth.reset_password(old, "NewPassword1")


def test_reset_for_unknown_email_is_not_found(core: ChatCore) -> None:
    with pytest.raises(NotFound):
        core.auth.request_password_reset("nobody@example.com")


def test_verification_links_expire_after_a_day(
    core: ChatCore, clock: ManualClock, outbox: MemoryOutbox
) -> None:
    user = core.auth.register("johndoe", "john@example.com", PASSWORD)
    clock.advance(timedelta(hours=24))
    with pytest.raises(InvalidInput):
        core.auth.verify_email(outbox.token(user.email, "Verify"))


def test_old_verification_link_cannot_verify_a_new_email(
    core: ChatCore, outbox: MemoryOutbox, make_user: Callable[..., User]
) -> None:
    # Second round: a self-change is pending until its own link is used; the link for the
    # old address proves only that address.
    user = make_user()
    core.accounts.update(
        user, user.id, UserChanges(email="first@example.com", current_password=PASSWORD)
    )
    first_link = outbox.token("first@example.com", "Verify")
    core.accounts.update(
        user, user.id, UserChanges(email="victim@example.com", current_password=PASSWORD)
    )
    with pytest.raises(InvalidInput):
        core.auth.verify_email(first_link)
    core.auth.verify_email(outbox.token("victim@example.com", "Verify"))
    assert core.auth.login("victim@example.com", PASSWORD).user.id == user.id


def test_deactivation_and_deletion_revoke_tokens(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    admin = make_user(role=Role.ADMIN)
    user, other = make_user(), make_user()
    signed_in = core.auth.login(user.email, PASSWORD)
    core.accounts.update(admin, user.id, UserChanges(active=False))
    with pytest.raises(Unauthenticated):
        core.auth.authenticate(signed_in.access.token)
    other_signed_in = core.auth.login(other.email, PASSWORD)
    core.accounts.delete(other, other.id)
    with pytest.raises(Unauthenticated):
        core.auth.authenticate(other_signed_in.access.token)
    with pytest.raises(Unauthenticated):
        core.auth.login(other.email, PASSWORD)


def test_user_deletion_deletes_their_sessions(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    user = make_user()
    session = core.sessions.create(user, "mine")
    core.accounts.delete(user, user.id)
    stored = core.ports.sessions.get(session.id)
    assert stored is not None and stored.deleted_at is not None


def test_only_admins_may_create_verified_users(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    with pytest.raises(Forbidden):
        core.auth.register("johndoe", "john@example.com", PASSWORD, verified=True)
    admin = make_user(role=Role.ADMIN)
    user = core.auth.register("johndoe", "john@example.com", PASSWORD, actor=admin, verified=True)
    assert user.verified
