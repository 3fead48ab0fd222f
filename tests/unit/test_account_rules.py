"""Who may change which field of whom."""

from hypothesis import given
from hypothesis import strategies as st

from chatcore.accounts.model import (
    ADMIN_ONLY_FIELDS,
    Role,
    Tier,
    UserChanges,
    check_registration_allowed,
)
from chatcore.shared.errors import Forbidden
from tests.builders import a_user

changes = st.builds(
    UserChanges,
    username=st.none() | st.just("newname"),
    email=st.none() | st.just("new@example.com"),
    password=st.none() | st.just("NewPassword1"),
    role=st.none() | st.sampled_from(Role),
    tier=st.none() | st.sampled_from(Tier),
    active=st.none() | st.booleans(),
    verified=st.none() | st.booleans(),
)


@given(changes, st.sampled_from(Role), st.booleans())
def test_only_admins_touch_others_and_admin_only_fields(
    change: UserChanges, actor_role: Role, own_account: bool
) -> None:
    actor = a_user(role=actor_role)
    target = actor if own_account else a_user()
    asks_admin_field = any(getattr(change, name) is not None for name in ADMIN_ONLY_FIELDS)
    allowed = actor_role is Role.ADMIN or (own_account and not asks_admin_field)
    try:
        change.check_allowed_for(actor, target)
    except Forbidden:
        assert not allowed
    else:
        assert allowed


@given(st.sampled_from(Role), st.sampled_from(Tier), st.none() | st.sampled_from(Role))
def test_only_admins_register_beyond_user_and_free(
    role: Role, tier: Tier, actor_role: Role | None
) -> None:
    actor = None if actor_role is None else a_user(role=actor_role)
    allowed = (role, tier) == (Role.USER, Tier.FREE) or actor_role is Role.ADMIN
    try:
        check_registration_allowed(actor, role, tier)
    except Forbidden:
        assert not allowed
    else:
        assert allowed


def test_requested_ignores_current_password() -> None:
    assert UserChanges(current_password="x").requested() == []
    assert UserChanges(username="a", tier=Tier.PREMIUM).requested() == ["username", "tier"]
