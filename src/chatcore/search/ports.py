"""What search needs: an index of texts, and a way to read what existed before it."""

from collections.abc import Sequence
from typing import Protocol

from chatcore.chats.model import Message
from chatcore.search.model import Hit, IndexedText
from chatcore.search.query import SearchQuery
from chatcore.shared.ids import ArtifactId, SessionId, UserId
from chatcore.shared.paging import Rank


class SearchIndex(Protocol):
    """The searchable texts of every user.

    Liveness is read where it is kept, at query time: a text whose message, artifact or
    session is deleted is never returned (from the moment of the delete, with no write
    to the index), and comes back if it is ever restored. Writes join the caller's unit
    of work where the adapter has one (SQLite: the same transaction as the message).
    """

    def add(self, texts: Sequence[IndexedText]) -> None:
        """Index these texts (an item already indexed under the same key is kept once)."""
        ...

    def ranked(
        self,
        owner_id: UserId,
        query: SearchQuery,
        session_id: SessionId | None,
        after: Rank | None,
        limit: int,
    ) -> list[Hit]:
        """The first `limit` live texts of `owner_id` (in `session_id`, if given) that
        `query` matches, in ranking order (`ranking.order`), from after `after`.

        A text matches exactly when `query.matches(its searchable form)`, and ranks by
        `ranking.points`. Found through an index (FTS5, a multikey index), never by
        reading every text of the user; an adapter that does not rank in its own engine
        passes what it found to `ranking.rank`.
        """
        ...

    def settle(self) -> int:
        """Finish now what the adapter defers (SQLite moves pending records into FTS5 in
        batches); how many texts that took. Results are the same before and after."""
        ...

    def texts(self, keys: Sequence[str]) -> dict[str, str]:
        """The texts under these keys (those of a page of results), by key."""
        ...

    def indexed(self, item_ids: Sequence[str]) -> set[str]:
        """Which of these messages and artifacts have texts in the index."""
        ...

    def remove_items(self, item_ids: Sequence[str]) -> None:
        """Forget every text of these messages and artifacts (purged, or re-ingested)."""
        ...

    def remove_for_sessions(self, session_ids: Sequence[SessionId]) -> None:
        """Forget every text of these sessions (purged)."""
        ...

    def progress(self, task: str) -> str | None:
        """Where a long task over the index (the first indexing of old data) stands."""
        ...

    def record_progress(self, task: str, mark: str) -> None:
        """Remember where `task` stands, so that a restart resumes from there."""
        ...


class SearchSources(Protocol):
    """What existed before the index did, read in id order for its first indexing.

    Each read returns what it found and the last id it read (None once nothing is left):
    a batch may find nothing to index (deleted messages) and still move on.
    """

    def messages_after(
        self, after: str | None, limit: int
    ) -> tuple[list[tuple[UserId, Message]], str | None]:
        """Live messages among the next `limit` messages above id `after`, each with its
        session's owner; and the last id read."""
        ...

    def artifacts_after(self, after: str | None, limit: int) -> tuple[list[ArtifactId], str | None]:
        """Ids of live artifacts among the next `limit` above `after`; and the last id read."""
        ...
