"""The search use case: the caller's own live texts that match a query, best first."""

from datetime import UTC, datetime, timedelta

import attrs

from chatcore.accounts.model import User
from chatcore.search.model import HitKind, IndexedText, SearchResult
from chatcore.search.ports import SearchIndex
from chatcore.search.query import SearchQuery
from chatcore.search.ranking import score, snippet
from chatcore.shared.errors import InvalidInput
from chatcore.shared.ids import ArtifactId, MessageId, SessionId, parse_session_id
from chatcore.shared.paging import Cursors, ListKind, Page, Rank

RESULTS_PAGE_MAX = 100


@attrs.define
class Search:
    index: SearchIndex

    def search(
        self,
        actor: User,
        q: str,
        session_id: str | None = None,
        limit: int = 20,
        cursor: str | None = None,
    ) -> Page[SearchResult]:
        """A page of the actor's live messages and artifact texts that match `q`, best first.

        Ordered by score, then newest first; `cursor` (from the previous page, for the
        same query) starts the page after the last result it shows.
        """
        query = SearchQuery.parse(q)
        if not 1 <= limit <= RESULTS_PAGE_MAX:
            raise InvalidInput(f"limit must be between 1 and {RESULTS_PAGE_MAX}")
        session = None if session_id is None else parse_session_id(session_id)
        # A cursor belongs to one query of one user: elsewhere it would name nothing.
        cursors = Cursors(ListKind.SEARCH, f"{actor.id}/{session or ''}/{query.canonical()}")
        after = None if cursor is None else cursors.decode_rank(cursor)
        ranked = _ranked(query, self.index.matching(actor.id, query, session))
        if after is not None:
            ranked = [entry for entry in ranked if _order(entry[0]) > _order(after)]
        page = ranked[:limit]
        more = len(ranked) > limit
        return Page(
            [_result(query, text, rank.score) for rank, text in page],
            cursors.encode_rank(page[-1][0]) if more else None,
        )


def _ranked(query: SearchQuery, texts: list[IndexedText]) -> list[tuple[Rank, IndexedText]]:
    """The texts with their ranks, best first; a text indexed twice counts once."""
    unique = {text.key: text for text in texts}
    ranked = [
        (Rank(score(query, text.searchable), text.created_at, text.key), text)
        for text in unique.values()
    ]
    ranked.sort(key=lambda entry: _order(entry[0]))
    return ranked


def _order(rank: Rank) -> tuple[float, int, str]:
    """Best score first, then newest (to the millisecond, as cursors hold times), then the
    higher id: one total order for paging."""
    return (-rank.score, -(rank.at - _EPOCH) // _MILLISECOND, _inverted(rank.id))


def _inverted(key: str) -> str:
    # Hex digits, so descending order is ascending order of each digit's complement.
    return key.translate(_COMPLEMENT)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
_COMPLEMENT = str.maketrans("0123456789abcdef", "fedcba9876543210")


def _result(query: SearchQuery, text: IndexedText, rank_score: float) -> SearchResult:
    shown, highlights = snippet(query, text.text)
    is_message = text.kind is HitKind.MESSAGE
    return SearchResult(
        kind=text.kind,
        session_id=SessionId(text.session_id),
        message_id=MessageId(text.item_id) if is_message else None,
        artifact_id=None if is_message else ArtifactId(text.item_id),
        path=text.path,
        snippet=shown,
        highlights=highlights,
        score=rank_score,
        created_at=text.created_at,
    )
