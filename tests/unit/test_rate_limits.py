"""The rate rule (GCRA): what it promises a client within the limit, and what it allows."""

import bisect

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatcore.shared.errors import InvalidInput
from chatcore.shared.rate_limits import Rate, admit
from entrypoints.http.app import ROUTES
from entrypoints.http.limits import LIMIT_CLASSES, limit_class
from entrypoints.http.metrics import metrics_routes
from entrypoints.http.openapi import ApiRoute
from entrypoints.settings import DEFAULT_RATES

# Wall-clock seconds today: large enough for float rounding to matter.
EPOCH = 1_760_000_000.0

rates = st.builds(
    Rate, limit=st.integers(1, 20), period=st.sampled_from([0.5, 1.0, 3.0, 60.0, 7.3])
)
# Request times in whole milliseconds after EPOCH, in order, often many at the same instant.
moments = st.lists(st.integers(0, 20_000), max_size=200).map(sorted)


def run(rate: Rate, times_ms: list[int]) -> list[int]:
    """Feed the requests to one key; the times of those admitted."""
    tat: float | None = None
    admitted = []
    for ms in times_ms:
        decision = admit(tat, EPOCH + ms / 1000, rate)
        if decision.admitted:
            admitted.append(ms)
        else:
            assert decision.retry_after > 0
        tat = decision.tat
    return admitted


def within_limit(rate: Rate, times_ms: list[int]) -> list[int]:
    """The longest prefix-greedy subsequence with at most `limit` in every window (t-P, t]."""
    period_ms = rate.period * 1000
    kept: list[int] = []
    for ms in times_ms:
        in_window = len(kept) - bisect.bisect_right(kept, ms - period_ms)
        if in_window < rate.limit:
            kept.append(ms)
    return kept


@given(rates, moments)
def test_no_sequence_within_the_limit_is_ever_refused(rate: Rate, times_ms: list[int]) -> None:
    # Within the limit: at most `limit` requests in every window of `period` seconds.
    sequence = within_limit(rate, times_ms)
    assert run(rate, sequence) == sequence


@given(rates, moments)
def test_admissions_never_exceed_the_limit_by_more_than_one_window(
    rate: Rate, times_ms: list[int]
) -> None:
    admitted = run(rate, times_ms)
    period_ms = rate.period * 1000
    for i, start in enumerate(admitted):
        # Between two admissions s ≤ t: at most limit + (t - s) * limit / period of them,
        # so fewer than 2 * limit in any window of `period` (one window's slack).
        for j in range(i, len(admitted)):
            elapsed = admitted[j] - start
            assert j - i + 1 <= rate.limit + elapsed * rate.limit / period_ms + 1e-6
        in_window = bisect.bisect_left(admitted, start + period_ms) - i
        assert in_window <= 2 * rate.limit


def test_a_burst_of_the_limit_then_one_per_interval() -> None:
    rate = Rate(3, 3.0)
    assert run(rate, [0, 0, 0, 0, 999, 1000, 1001, 2000]) == [0, 0, 0, 1000, 2000]


def test_a_refusal_says_when_to_come_back_and_counts_nothing() -> None:
    rate = Rate(2, 10.0)
    tat = None
    for _ in range(2):
        tat = admit(tat, EPOCH, rate).tat
    refused = admit(tat, EPOCH + 1, rate)
    assert not refused.admitted and refused.retry_after == pytest.approx(4.0)
    assert refused.tat == tat
    assert admit(refused.tat, EPOCH + 5, rate).admitted


@pytest.mark.parametrize("text", ["", "10", "ten/60", "10/0", "0/60", "10/-1", "10/inf"])
def test_a_malformed_rate_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        Rate.parse(text)


def test_a_rate_reads_as_count_per_seconds() -> None:
    assert Rate.parse("20/60") == Rate(20, 60.0)
    assert str(Rate.parse("5/0.5")) == "5/0.5"


def test_every_limit_class_has_a_rate_and_names_a_served_route() -> None:
    routes = [*ROUTES, *metrics_routes()]  # /metrics is served unless turned off
    served = {(r.method, r.path) for r in routes if isinstance(r, ApiRoute)}
    for (method, path), name in LIMIT_CLASSES.items():
        assert (method, path) in served, f"{method} {path}: no such route"
        assert name is None or name in DEFAULT_RATES, name


def test_uploads_and_artifact_creation_are_dearer_than_other_writes() -> None:
    artifacts = "/chat/sessions/{session_id}/artifacts"
    assert limit_class("POST", artifacts) == "artifact_create"
    assert limit_class("POST", f"{artifacts}/upload") == "artifact_create"
    assert limit_class("POST", "/chat/sessions/{session_id}/messages") == "write"
    assert limit_class("PUT", f"{artifacts}/{{artifact_id}}") == "write"
    assert limit_class("GET", f"{artifacts}/{{artifact_id}}/download") == "read"
    dear, write = DEFAULT_RATES["artifact_create"], DEFAULT_RATES["write"]
    assert dear.limit / dear.period < write.limit / write.period
