from datetime import datetime

from adapters.sqlite.connection import Connections
from adapters.sqlite.timestamps import to_ms


class SqlitePeriodicJobs:
    def __init__(self, connections: Connections) -> None:
        self._connections = connections

    def claim(self, name: str, owner: str, at: datetime, until: datetime) -> bool:
        # One statement, so atomic: the first claimer inserts the row, and a later one
        # changes it only once the claim in it has run out.
        cursor = self._connections.get().execute(
            "INSERT INTO periodic_jobs (name, owner, until) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until"
            " WHERE periodic_jobs.until <= ?",
            (name, owner, to_ms(until), to_ms(at)),
        )
        return cursor.rowcount == 1
