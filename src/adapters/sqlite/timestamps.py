"""Datetimes as INTEGER milliseconds since the epoch: exact, compact, cheap to index."""

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def to_ms(moment: datetime) -> int:
    # timedelta floor division is integer arithmetic: no float rounding.
    return (moment - _EPOCH) // _MILLISECOND


def from_ms(ms: int) -> datetime:
    # One exact integer step (fromtimestamp would go through a float).
    return _EPOCH + timedelta(milliseconds=ms)


def to_ms_or_none(moment: datetime | None) -> int | None:
    return None if moment is None else to_ms(moment)


def from_ms_or_none(ms: int | None) -> datetime | None:
    return None if ms is None else from_ms(ms)
