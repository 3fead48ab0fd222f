"""The system clock, to the millisecond (what every database adapter can store exactly)."""

from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        now = datetime.now(UTC)
        return now.replace(microsecond=now.microsecond // 1000 * 1000)
