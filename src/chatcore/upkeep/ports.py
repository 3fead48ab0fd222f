"""What upkeep needs: who runs a periodic job next, decided in the shared database."""

from datetime import datetime
from typing import Protocol


class PeriodicJobs(Protocol):
    """Who runs a periodic job (the daily purge) next, decided in the shared database."""

    def claim(self, name: str, owner: str, at: datetime, until: datetime) -> bool:
        """Take the run of job `name` for `owner` until `until`, unless a claim lasts past `at`.

        Atomic: of claimers racing in any processes sharing the database, one wins (True)
        and the others see its claim (False) until `until` has passed.
        """
        ...
