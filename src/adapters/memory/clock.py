from datetime import UTC, datetime, timedelta


class ManualClock:
    """A clock that moves only when told to: for tests of expiry and ordering."""

    def __init__(self, start: datetime = datetime(2025, 11, 4, 10, 0, tzinfo=UTC)) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, by: timedelta) -> None:
        self._now += by
