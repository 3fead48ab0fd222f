"""The search index of a deployment that does not search (CHATCORE_SEARCH=off)."""

from collections.abc import Sequence

from chatcore.search.model import Hit, IndexedText
from chatcore.search.query import SearchQuery
from chatcore.shared.ids import SessionId, UserId
from chatcore.shared.paging import Rank


class NoSearchIndex:
    """Keeps nothing and finds nothing: sending a message writes no index at all.

    Turning search on again later catches up: the first indexing of old data runs again
    (see `SearchBackfill.restart`), skipping what is already indexed.
    """

    def add(self, texts: Sequence[IndexedText]) -> None:
        pass

    def ranked(
        self,
        owner_id: UserId,
        query: SearchQuery,
        session_id: SessionId | None,
        after: Rank | None,
        limit: int,
    ) -> list[Hit]:
        return []

    def settle(self) -> int:
        return 0

    def texts(self, keys: Sequence[str]) -> dict[str, str]:
        return {}

    def indexed(self, item_ids: Sequence[str]) -> set[str]:
        return set()

    def remove_items(self, item_ids: Sequence[str]) -> None:
        pass

    def remove_for_sessions(self, session_ids: Sequence[SessionId]) -> None:
        pass

    def progress(self, task: str) -> str | None:
        return None

    def record_progress(self, task: str, mark: str) -> None:
        pass
