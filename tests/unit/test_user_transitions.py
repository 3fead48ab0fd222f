"""The User entity's transitions: each answers the changed user and leaves the old one be."""

from collections.abc import Callable
from datetime import timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatcore.accounts.model import Role, Tier, User, UserChanges
from chatcore.shared.errors import InvalidInput
from tests.builders import T0, a_user

LATER = T0 + timedelta(minutes=5)
addresses = st.sampled_from(["a@example.com", "b@example.com", "c@example.com"])
users = st.builds(
    lambda email, pending, verified, active, generation: a_user(
        email=email,
        pending_email=None if pending == email else pending,
        verified=verified,
        active=active,
        token_generation=generation,
    ),
    addresses,
    st.none() | addresses,
    st.booleans(),
    st.booleans(),
    st.integers(min_value=0, max_value=1000),
)
# The transitions that sign the user out everywhere, as the spec lists them.
REVOKING: dict[str, Callable[[User], User]] = {
    "password change": lambda user: user.change_password("new-hash", LATER),
    "deactivation": lambda user: user.deactivate(LATER),
    "deletion": lambda user: user.delete(LATER),
    "undone email change": lambda user: user.restore_email("old@example.com", LATER),
    "admin's email change": lambda user: user.change_email("elsewhere@example.com", LATER),
}


@given(users, st.text(min_size=1, max_size=20))
def test_a_password_change_bumps_the_generation_and_keeps_the_email(
    user: User, password_hash: str
) -> None:
    changed = user.change_password(password_hash, LATER)
    assert changed.token_generation == user.token_generation + 1
    assert (changed.email, changed.verified) == (user.email, user.verified)
    assert changed.pending_email is None  # its link died with the other tokens
    assert (changed.password_hash, changed.updated_at) == (password_hash, LATER)


@given(users, st.sampled_from(sorted(REVOKING)))
def test_revoking_transitions_answer_a_new_user_and_leave_the_old_one(
    user: User, name: str
) -> None:
    before = attrs.evolve(user)
    changed = REVOKING[name](user)
    assert user == before
    assert changed.token_generation == user.token_generation + 1
    assert not changed.still_signed_in(user.token_generation)


@given(users, addresses)
def test_an_own_email_change_moves_nothing_until_confirmed(user: User, address: str) -> None:
    asked = user.request_email_change(address, LATER)
    assert (asked.email, asked.verified, asked.token_generation) == (
        user.email, user.verified, user.token_generation,
    )  # fmt: skip
    if address == user.email:
        assert asked.pending_email is None
        return
    assert asked.pending_email == address
    moved = asked.confirm_email(address, LATER)
    assert (moved.email, moved.verified, moved.pending_email) == (address, True, None)
    assert moved.token_generation == user.token_generation + 1


@given(users)
def test_a_used_link_for_another_address_proves_nothing(user: User) -> None:
    with pytest.raises(InvalidInput):
        user.confirm_email("nobody@example.com", LATER)


@given(users, st.booleans())
def test_activation_never_revives_old_tokens(user: User, active: bool) -> None:
    changed = user.set_active(active, LATER)
    assert changed.active is active
    if active == user.active:
        assert changed == user
    elif active:
        assert changed.token_generation == user.token_generation
    else:
        assert changed.token_generation == user.token_generation + 1


changes = st.builds(
    UserChanges,
    username=st.none() | st.just("renamed"),
    email=st.none() | addresses,
    role=st.none() | st.sampled_from(Role),
    tier=st.none() | st.sampled_from(Tier),
    active=st.none() | st.booleans(),
    verified=st.none() | st.booleans(),
)


@given(users, changes, st.booleans(), st.booleans())
def test_apply_signs_out_exactly_when_the_spec_says(
    user: User, change: UserChanges, own: bool, new_password: bool
) -> None:
    password_hash = "new-hash" if new_password else None
    changed = user.apply(change, password_hash, LATER, own=own)
    moved = not own and change.email is not None and change.email != user.email
    deactivated = user.active and change.active is False
    signed_out = new_password or moved or deactivated
    # (A password change with a deactivation bumps it twice: it only has to move on.)
    assert (changed.token_generation > user.token_generation) is signed_out
    assert changed.updated_at == LATER
    # An owner's address waits for its link; an admin's takes effect, unverified unless
    # the same change sets `verified`.
    if own or change.email is None:
        assert changed.email == user.email
    else:
        assert changed.email == change.email
    if moved and change.verified is None:
        assert not changed.verified
    for field in ("role", "tier", "verified", "username"):
        wanted = getattr(change, field)
        if wanted is not None:
            assert getattr(changed, field) == wanted
