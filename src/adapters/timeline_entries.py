"""What every database adapter's timelines (session and room messages) store: entries
with an id that orders them, times, and a soft delete. Shared, so that the three
adapters agree on it without reaching into one another."""

from datetime import datetime
from typing import Protocol, TypedDict, TypeVar


class TimelineEntry(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...

    @property
    def updated_at(self) -> datetime: ...

    @property
    def deleted_at(self) -> datetime | None: ...


E = TypeVar("E", bound=TimelineEntry)


class EntryTimes(TypedDict):
    """An entry's times, as keyword arguments for its entity."""

    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
