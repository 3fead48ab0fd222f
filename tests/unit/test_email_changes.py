"""Email changes, verification links and signing out everywhere: the rules on the User entity,
and the use cases over in-memory adapters."""

from collections.abc import Callable
from datetime import timedelta

import attrs
import pytest

from adapters.jwt_tokens import JwtTokenService
from adapters.memory import ManualClock, MemoryOutbox
from chatcore.accounts.emails import AccountEmails
from chatcore.accounts.model import Role, User, UserChanges
from chatcore.accounts.tokens import TokenKind, TokenLifetimes
from chatcore.core import ChatCore
from chatcore.shared.audit import AuditKind, AuditQuery
from chatcore.shared.errors import Conflict, Forbidden, InvalidInput, Unauthenticated
from tests.builders import T0, a_user, claims
from tests.unit.conftest import PASSWORD

NEW_PASSWORD = "Another-Pass-42"


# The entity's rules


def test_an_email_change_of_ones_own_waits_for_its_link() -> None:
    user = a_user(email="old@example.com", verified=True)
    asked = user.request_email_change("new@example.com", T0)
    assert (asked.email, asked.verified, asked.pending_email) == (
        "old@example.com", True, "new@example.com",
    )  # fmt: skip
    assert asked.token_generation == 0
    # Asking for the current address again withdraws the pending one.
    assert asked.request_email_change("old@example.com", T0).pending_email is None


def test_confirming_the_pending_address_moves_the_account_and_signs_it_out() -> None:
    user = a_user(email="old@example.com", verified=True)
    user = user.request_email_change("new@example.com", T0)
    moved = user.confirm_email("new@example.com", T0)
    assert (moved.email, moved.verified, moved.pending_email) == ("new@example.com", True, None)
    assert moved.token_generation == 1


def test_a_link_proves_only_the_address_it_was_sent_to() -> None:
    user = a_user(email="old@example.com", verified=False)
    user = user.request_email_change("second@example.com", T0)
    with pytest.raises(InvalidInput):
        user.confirm_email("first@example.com", T0)
    # The account's own address is still proven by its link, and nothing moves.
    proven = user.confirm_email("old@example.com", T0)
    assert (proven.email, proven.verified, proven.token_generation) == (
        "old@example.com", True, 0,
    )  # fmt: skip


def test_an_admins_change_applies_at_once_unverified() -> None:
    user = a_user(email="old@example.com", verified=True)
    changed = user.change_email("new@example.com", T0)
    assert (changed.email, changed.verified, changed.token_generation) == (
        "new@example.com", False, 1,
    )  # fmt: skip
    assert changed.change_email("new@example.com", T0) == changed


@pytest.mark.parametrize(
    "end",
    [
        lambda user: user.change_password("new-hash", T0),
        lambda user: user.deactivate(T0),
        lambda user: user.delete(T0),
        lambda user: user.restore_email("old@example.com", T0),
    ],
)
def test_these_changes_end_every_token_and_the_pending_address(
    end: Callable[[User], User],
) -> None:
    user = a_user(email="now@example.com").request_email_change("pending@example.com", T0)
    ended = end(user)
    assert ended.token_generation == 1
    assert ended.pending_email is None


def test_verification_is_resent_at_most_every_ten_minutes() -> None:
    user = a_user(verified=False)
    assert user.may_resend_verification(T0)
    user = user.verification_sent(T0)
    assert not user.may_resend_verification(T0 + timedelta(minutes=9, seconds=59))
    assert user.may_resend_verification(T0 + timedelta(minutes=10))


def test_email_texts_promise_the_lifetimes_tokens_have() -> None:
    emails = AccountEmails(
        lifetimes=TokenLifetimes(verify=timedelta(hours=2), undo_email_change=timedelta(days=3))
    )
    user = a_user(email="new@example.com")
    assert "expires in 2 hours" in emails.verification(user, "t").body
    notice = emails.email_changed(user, "old@example.com", "undo-token")
    assert notice.to == "old@example.com"
    assert "expires in 3 days" in notice.body
    assert "/auths/undo-email-change?token=undo-token" in notice.body


@pytest.mark.parametrize("subject", ["Verify", "Reset"])
def test_the_links_sent_live_as_long_as_their_emails_say(
    core: ChatCore, clock: ManualClock, outbox: MemoryOutbox, subject: str
) -> None:
    lifetimes = TokenLifetimes(verify=timedelta(hours=2), reset=timedelta(minutes=20))
    core = ChatCore.from_ports(core.ports, lifetimes=lifetimes)
    user = core.auth.register("johndoe", "john@example.com", PASSWORD)
    if subject == "Reset":
        core.auth.verify_email(outbox.token(user.email, "Verify"))
        core.auth.request_password_reset(user.email)
    promised = {"Verify": "2 hours", "Reset": "20 minutes"}[subject]
    [email] = [e for e in outbox.sent if subject in e.subject]
    assert f"expires in {promised}" in email.body
    use = {
        "Verify": core.auth.verify_email,
        "Reset": lambda token: core.auth.reset_password(token, NEW_PASSWORD),
    }[subject]
    clock.advance(lifetimes.of(TokenKind.VERIFY if subject == "Verify" else TokenKind.RESET))
    with pytest.raises(InvalidInput):
        use(outbox.token(user.email, subject))


# The use cases


def _change_email(core: ChatCore, user: User, email: str, password: str | None = PASSWORD) -> User:
    changes = UserChanges(email=email, current_password=password)
    return core.accounts.update(user, user.id, changes).user


def test_changing_ones_email_needs_the_current_password(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    user = make_user()
    for password in (None, "wrong-password"):
        with pytest.raises(Forbidden):
            _change_email(core, user, "new@example.com", password)
    rejected = core.ports.audit.query(
        AuditQuery(user_id=user.id, kind=AuditKind.CURRENT_PASSWORD_REJECTED)
    )
    assert len(rejected) == 2


def test_the_old_address_keeps_the_login_until_the_new_one_is_verified(
    core: ChatCore, outbox: MemoryOutbox, make_user: Callable[..., User]
) -> None:
    user = make_user()
    before = core.auth.login(user.email, PASSWORD)
    changed = _change_email(core, user, "new@example.com")
    assert (changed.email, changed.pending_email, changed.verified) == (
        user.email, "new@example.com", True,
    )  # fmt: skip
    with pytest.raises(Unauthenticated):
        core.auth.login("new@example.com", PASSWORD)
    assert core.auth.login(user.email, PASSWORD).user.id == user.id

    core.auth.verify_email(outbox.token("new@example.com", "Verify"))
    assert core.auth.login("new@example.com", PASSWORD).user.id == user.id
    with pytest.raises(Unauthenticated):
        core.auth.login(user.email, PASSWORD)
    with pytest.raises(Unauthenticated):
        core.auth.authenticate(before.access.token)
    with pytest.raises(Unauthenticated):
        core.auth.refresh(before.refresh.token)
    [event] = core.ports.audit.query(AuditQuery(user_id=user.id, kind=AuditKind.EMAIL_CHANGED))
    assert event.details == {"before": user.email, "after": "new@example.com"}


def test_undoing_restores_the_old_address_even_after_the_thief_resets_the_password(
    core: ChatCore, outbox: MemoryOutbox, make_user: Callable[..., User]
) -> None:
    user = make_user()
    _change_email(core, user, "thief@example.com")
    core.auth.verify_email(outbox.token("thief@example.com", "Verify"))
    undo = outbox.token(user.email, "changed")
    core.auth.request_password_reset("thief@example.com")
    core.auth.reset_password(outbox.token("thief@example.com", "Reset"), NEW_PASSWORD)
    thief = core.auth.login("thief@example.com", NEW_PASSWORD)

    core.auth.undo_email_change(undo)
    restored = core.ports.users.get(user.id)
    assert restored is not None
    assert (restored.email, restored.verified, restored.pending_email) == (user.email, True, None)
    with pytest.raises(Unauthenticated):
        core.auth.authenticate(thief.access.token)
    with pytest.raises(Unauthenticated):
        core.auth.refresh(thief.refresh.token)
    with pytest.raises(InvalidInput):
        core.auth.undo_email_change(undo)


def test_an_undo_link_lasts_seven_days(
    core: ChatCore, clock: ManualClock, outbox: MemoryOutbox, make_user: Callable[..., User]
) -> None:
    user = make_user()
    _change_email(core, user, "new@example.com")
    core.auth.verify_email(outbox.token("new@example.com", "Verify"))
    clock.advance(timedelta(days=7))
    with pytest.raises(InvalidInput):
        core.auth.undo_email_change(outbox.token(user.email, "changed"))


def test_an_undo_cannot_take_an_address_someone_else_now_holds(
    core: ChatCore, outbox: MemoryOutbox, make_user: Callable[..., User]
) -> None:
    user = make_user()
    _change_email(core, user, "new@example.com")
    core.auth.verify_email(outbox.token("new@example.com", "Verify"))
    core.auth.register("newcomer", user.email, PASSWORD)
    with pytest.raises(Conflict):
        core.auth.undo_email_change(outbox.token(user.email, "changed"))


def test_a_second_change_replaces_the_pending_address(
    core: ChatCore, outbox: MemoryOutbox, make_user: Callable[..., User]
) -> None:
    user = make_user()
    _change_email(core, user, "first@example.com")
    first = outbox.token("first@example.com", "Verify")
    _change_email(core, user, "second@example.com")
    with pytest.raises(InvalidInput):
        core.auth.verify_email(first)
    core.auth.verify_email(outbox.token("second@example.com", "Verify"))
    assert core.auth.login("second@example.com", PASSWORD).user.id == user.id


def test_a_pending_address_taken_meanwhile_is_a_conflict(
    core: ChatCore, outbox: MemoryOutbox, make_user: Callable[..., User]
) -> None:
    user, other = make_user(), make_user()
    with pytest.raises(Conflict):
        _change_email(core, user, other.email)
    _change_email(core, user, "wanted@example.com")
    link = outbox.token("wanted@example.com", "Verify")
    core.auth.register("quicker", "wanted@example.com", PASSWORD)
    with pytest.raises(Conflict):
        core.auth.verify_email(link)


def test_the_first_verification_link_survives_a_login_resend(
    core: ChatCore, clock: ManualClock, outbox: MemoryOutbox
) -> None:
    user = core.auth.register("johndoe", "john@example.com", PASSWORD)
    first = outbox.token(user.email, "Verify")
    clock.advance(timedelta(minutes=10))
    with pytest.raises(Forbidden, match="has been sent"):
        core.auth.login(user.email, PASSWORD)
    assert outbox.token(user.email, "Verify") != first
    core.auth.verify_email(first)
    assert core.auth.login(user.email, PASSWORD).user.verified


def test_logins_resend_at_most_once_per_ten_minutes(
    core: ChatCore, clock: ManualClock, outbox: MemoryOutbox
) -> None:
    core.auth.register("johndoe", "john@example.com", PASSWORD)
    sent = len(outbox.sent)
    for _ in range(3):
        with pytest.raises(Forbidden, match="not been sent again"):
            core.auth.login("john@example.com", PASSWORD)
    assert len(outbox.sent) == sent
    clock.advance(timedelta(minutes=10))
    with pytest.raises(Forbidden, match="has been sent"):
        core.auth.login("john@example.com", PASSWORD)
    assert len(outbox.sent) == sent + 1


def test_a_password_change_ends_every_token_and_link_and_signs_in_afresh(
    core: ChatCore, outbox: MemoryOutbox, make_user: Callable[..., User]
) -> None:
    user = make_user()
    before = core.auth.login(user.email, PASSWORD)
    core.auth.request_password_reset(user.email)
    reset_link = outbox.token(user.email, "Reset")
    update = core.accounts.update(
        user, user.id, UserChanges(password=NEW_PASSWORD, current_password=PASSWORD)
    )
    assert update.signed_in is not None
    assert core.auth.authenticate(update.signed_in.access.token).id == user.id
    core.auth.refresh(update.signed_in.refresh.token)
    with pytest.raises(Unauthenticated):
        core.auth.authenticate(before.access.token)
    with pytest.raises(Unauthenticated):
        core.auth.refresh(before.refresh.token)
    with pytest.raises(InvalidInput):
        core.auth.reset_password(reset_link, "Third-Pass-123")


def test_an_admin_changing_a_password_gets_no_tokens_and_ends_the_users(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    admin, user = make_user(role=Role.ADMIN), make_user()
    before = core.auth.login(user.email, PASSWORD)
    update = core.accounts.update(admin, user.id, UserChanges(password=NEW_PASSWORD))
    assert update.signed_in is None
    with pytest.raises(Unauthenticated):
        core.auth.authenticate(before.access.token)


def test_an_admins_email_change_applies_at_once_and_tells_the_old_address(
    core: ChatCore, outbox: MemoryOutbox, make_user: Callable[..., User]
) -> None:
    admin, user = make_user(role=Role.ADMIN), make_user()
    before = core.auth.login(user.email, PASSWORD)
    changed = core.accounts.update(admin, user.id, UserChanges(email="moved@example.com")).user
    assert (changed.email, changed.verified, changed.pending_email) == (
        "moved@example.com", False, None,
    )  # fmt: skip
    notice = [e for e in outbox.sent if e.to == user.email][-1]
    assert "moved@example.com" in notice.body and "token=" not in notice.body
    with pytest.raises(Unauthenticated):
        core.auth.authenticate(before.access.token)
    core.auth.verify_email(outbox.token("moved@example.com", "Verify"))
    [event] = core.ports.audit.query(AuditQuery(user_id=user.id, kind=AuditKind.EMAIL_CHANGED))
    assert event.actor_id == admin.id


def test_refresh_reuse_ends_the_access_tokens_too(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    user = make_user()
    first = core.auth.login(user.email, PASSWORD)
    core.auth.refresh(first.refresh.token)
    with pytest.raises(Unauthenticated):
        core.auth.refresh(first.refresh.token)
    with pytest.raises(Unauthenticated):
        core.auth.authenticate(first.access.token)


def test_a_signed_token_carries_the_address_it_speaks_of() -> None:
    service = JwtTokenService("unit-test-secret-key-of-sufficient-length")
    plain = claims("0" * 24, TokenKind.VERIFY)
    addressed = attrs.evolve(plain, email="new@example.com")
    assert service.read(service.issue(addressed), TokenKind.VERIFY) == addressed
    assert service.read(service.issue(plain), TokenKind.VERIFY) == plain
