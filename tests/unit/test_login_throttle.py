"""Failed logins slow further tries down, per account and address; nobody is locked out."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.memory import ManualClock
from adapters.memory.failure_counters import MemoryFailureCounters
from chatcore.accounts.model import User
from chatcore.accounts.ports import Failures
from chatcore.accounts.throttle import Backoff, LoginThrottle
from chatcore.core import ChatCore
from chatcore.shared.audit import AuditKind, AuditQuery
from chatcore.shared.errors import TooManyRequests, Unauthenticated
from tests.unit.conftest import PASSWORD

MakeUser = Callable[..., User]
ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"


@pytest.fixture
def throttled(core: ChatCore, clock: ManualClock) -> ChatCore:
    throttle = LoginThrottle(MemoryFailureCounters(), clock, Backoff(free=3), Backoff(free=10))
    return ChatCore.from_ports(core.ports, login_throttle=throttle)


def fail(core: ChatCore, email: str, address: str, times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(Unauthenticated):
            core.auth.login(email, "wrong password", address)


def test_failures_past_the_free_ones_must_wait(
    throttled: ChatCore, make_user: MakeUser, clock: ManualClock
) -> None:
    user = make_user()
    fail(throttled, user.email, ATTACKER, 3)
    with pytest.raises(TooManyRequests) as refused:
        throttled.auth.login(user.email, PASSWORD, ATTACKER)  # even the right password
    assert refused.value.retry_after == 1
    clock.advance(timedelta(seconds=1))
    fail(throttled, user.email, ATTACKER)
    with pytest.raises(TooManyRequests) as refused:
        throttled.auth.login(user.email, "wrong password", ATTACKER)
    assert refused.value.retry_after == 2  # doubled
    clock.advance(timedelta(seconds=2))
    assert throttled.auth.login(user.email, PASSWORD, ATTACKER).user.id == user.id


def test_the_owner_is_not_locked_out_by_someone_elses_failures(
    throttled: ChatCore,
    make_user,
) -> None:
    user = make_user()
    fail(throttled, user.email, ATTACKER, 3)
    with pytest.raises(TooManyRequests):
        throttled.auth.login(user.email, "another guess", ATTACKER)
    assert throttled.auth.login(user.email, PASSWORD, OWNER).user.id == user.id


def test_an_address_failing_on_many_accounts_is_slowed_on_all(
    throttled: ChatCore,
    make_user,
) -> None:
    for n in range(10):
        fail(throttled, f"nobody{n}@example.com", ATTACKER)
    user = make_user()
    with pytest.raises(TooManyRequests):
        throttled.auth.login(user.email, PASSWORD, ATTACKER)
    assert throttled.auth.login(user.email, PASSWORD, OWNER).user.id == user.id


def test_success_forgives_the_failures_at_that_address(
    throttled: ChatCore,
    make_user,
) -> None:
    user = make_user()
    fail(throttled, user.email, OWNER, 2)
    throttled.auth.login(user.email, PASSWORD, OWNER)
    fail(throttled, user.email, OWNER, 2)  # free again: the count started over
    throttled.auth.login(user.email, PASSWORD, OWNER)


def test_failures_are_forgotten_after_a_quiet_while(
    throttled: ChatCore,
    make_user,
    clock,
) -> None:
    user = make_user()
    fail(throttled, user.email, ATTACKER, 3)
    clock.advance(Backoff(free=3).forget_after)
    fail(throttled, user.email, ATTACKER, 3)  # three free failures again


def test_throttled_and_failed_logins_are_audited(
    throttled: ChatCore,
    make_user,
) -> None:
    user = make_user()
    fail(throttled, user.email, ATTACKER, 3)
    with pytest.raises(TooManyRequests):
        throttled.auth.login(user.email, PASSWORD, ATTACKER)
    throttled.auth.login(user.email, PASSWORD, OWNER)
    kinds = [e.kind for e in throttled.ports.audit.query(AuditQuery(user_id=user.id))]
    assert kinds[:2] == [AuditKind.LOGIN_SUCCEEDED, AuditKind.LOGIN_THROTTLED]
    assert kinds.count(AuditKind.LOGIN_FAILED) == 3
    [failure, *_] = throttled.ports.audit.query(AuditQuery(kind=AuditKind.LOGIN_FAILED))
    assert failure.address == ATTACKER and failure.details["reason"] == "wrong password"


@given(
    free=st.integers(0, 10),
    count=st.integers(1, 200),
    waited=st.integers(0, 10_000),
)
def test_the_wait_doubles_up_to_the_cap_and_never_forever(
    free: int, count: int, waited: int
) -> None:
    backoff = Backoff(free=free, base=timedelta(seconds=1), cap=timedelta(minutes=15))
    clock = ManualClock()
    failures = Failures(count, clock.now())
    wait = backoff.wait(failures, clock.now() + timedelta(seconds=waited))
    full = backoff.wait(failures, clock.now())
    assert full <= backoff.cap
    if count < free:
        assert full == timedelta(0)
    else:
        assert full == min(backoff.cap, timedelta(seconds=min(900, 2 ** (count - free))))
    # The wait runs down from the last failure: zero or less means try now.
    assert wait == (full - timedelta(seconds=waited) if full else timedelta(0))
