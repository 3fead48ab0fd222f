"""The search use case: the caller's own live texts that match a query, best first."""

import attrs

from chatcore.accounts.model import User
from chatcore.search.model import Hit, HitKind, SearchResult
from chatcore.search.ports import SearchIndex
from chatcore.search.query import SearchQuery
from chatcore.search.ranking import score_of, snippet
from chatcore.shared.errors import InvalidInput
from chatcore.shared.ids import ArtifactId, MessageId, parse_session_id
from chatcore.shared.paging import Cursors, ListKind, Page

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
        # One more than the page, to learn whether another follows without a second query.
        hits = self.index.ranked(actor.id, query, session, after, limit + 1)
        page = hits[:limit]
        texts = self.index.texts([hit.key for hit in page])
        return Page(
            [_result(query, hit, texts.get(hit.key, "")) for hit in page],
            cursors.encode_rank(page[-1].rank) if len(hits) > limit else None,
        )


def _result(query: SearchQuery, hit: Hit, text: str) -> SearchResult:
    shown, highlights = snippet(query, text)
    is_message = hit.kind is HitKind.MESSAGE
    return SearchResult(
        kind=hit.kind,
        session_id=hit.session_id,
        message_id=MessageId(hit.item_id) if is_message else None,
        artifact_id=None if is_message else ArtifactId(hit.item_id),
        path=hit.path,
        snippet=shown,
        highlights=highlights,
        score=score_of(hit.rank),
        created_at=hit.rank.at,
    )
