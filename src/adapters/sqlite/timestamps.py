"""Datetimes as INTEGER milliseconds since the epoch: exact, compact, cheap to index."""

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def to_ms(moment: datetime) -> int:
    # timedelta floor division is integer arithmetic: no float rounding.
    return (moment - _EPOCH) // _MILLISECOND


def from_ms(ms: int) -> datetime:
    # Exact despite the float: ms / 1000 is off by far less than the half microsecond that
    # fromtimestamp rounds to, for every date a datetime can hold. And twice as fast as
    # adding a timedelta to the epoch, on the path that reads every message of a page.
    return datetime.fromtimestamp(ms / 1000, UTC)


def to_ms_or_none(moment: datetime | None) -> int | None:
    return None if moment is None else to_ms(moment)


def from_ms_or_none(ms: int | None) -> datetime | None:
    return None if ms is None else from_ms(ms)


def entity_times(
    created_ms: int, updated_ms: int, deleted_ms: int | None
) -> tuple[datetime, datetime, datetime | None]:
    """An entity's created, updated and deleted times from their columns.

    A row that was never updated has one conversion for both of its first two times: rows
    are read by the page, and the conversion is most of what a time costs.
    """
    created_at = from_ms(created_ms)
    updated_at = created_at if updated_ms == created_ms else from_ms(updated_ms)
    return created_at, updated_at, from_ms_or_none(deleted_ms)
