"""/chat/search: the caller's own messages and artifact texts that match a query."""

from datetime import datetime
from typing import Self

import attrs
from starlette.exceptions import HTTPException
from starlette.requests import Request

from chatcore.search.model import HitKind, SearchResult
from chatcore.search.query import QUERY_MAX_LENGTH
from chatcore.search.search import RESULTS_PAGE_MAX
from chatcore.shared.ids import ArtifactId, MessageId, SessionId
from entrypoints.http.converter import OutResponse
from entrypoints.http.offload import run
from entrypoints.http.openapi import ApiRoute, Operation
from entrypoints.http.openapi.schemas import METADATA_KEY
from entrypoints.http.security import core_of, current_user
from entrypoints.http.validation import IntQuery, TextQuery

Q = TextQuery(
    "q",
    'what to look for, 1–200 characters: words (all must match), "a phrase" (its words in'
    " order), prefix* (a word that starts so); case and diacritics are ignored",
    max_length=QUERY_MAX_LENGTH,
)
SESSION_ID = TextQuery("session_id", "only this session's messages and artifacts")
LIMIT = IntQuery("limit", 20, 1, RESULTS_PAGE_MAX, "how many results at most")
CURSOR = TextQuery(
    "cursor", "where the page starts: the `next_cursor` of the previous answer, for the same q"
)


@attrs.frozen
class SearchResultOut:
    """A message, or an artifact's text (a file of a ZIP or repository when `path` is set),
    that matches; `highlights` are [start, end) offsets of the matches in `snippet`, in
    characters (Unicode code points)."""

    kind: HitKind
    session_id: SessionId
    message_id: MessageId | None
    artifact_id: ArtifactId | None
    path: str | None
    snippet: str = attrs.field(metadata={METADATA_KEY: {"maxLength": 240}})
    # Pairs: [start, end].
    highlights: list[list[int]]
    score: float
    created_at: datetime

    @classmethod
    def of(cls, result: SearchResult) -> Self:
        return cls(
            result.kind,
            result.session_id,
            result.message_id,
            result.artifact_id,
            result.path,
            result.snippet,
            [[start, end] for start, end in result.highlights],
            result.score,
            result.created_at,
        )


@attrs.frozen
class SearchResultsOut:
    """Best matches first; `next_cursor` reads the next page (null: no more)."""

    results: list[SearchResultOut]
    next_cursor: str | None


async def search(request: Request) -> OutResponse:
    if not request.app.state.search_on:
        raise HTTPException(404)  # CHATCORE_SEARCH=off: as if there were no such route
    actor = await current_user(request)
    q = Q.read(request) or ""  # absent is as empty: 400, from the rule on `q`
    limit = LIMIT.read(request)
    page = await run(
        request,
        core_of(request).search.search,
        actor,
        q,
        SESSION_ID.read(request),
        limit,
        CURSOR.read(request),
    )
    results = [SearchResultOut.of(result) for result in page.items]
    return OutResponse(SearchResultsOut(results, page.next_cursor))


routes = [
    ApiRoute("GET", "/chat/search", search, Operation(
        "Search the caller's messages and artifact texts", SearchResultsOut,
        query=[Q, SESSION_ID, LIMIT, CURSOR], errors=(400, 404),
        description="The caller's live chat messages and the text of their live artifacts"
        " (document texts, `text` artifacts, and the text files of ZIP and repository"
        " artifacts), best matches first. A blank `q` answers 400, a longer one than 200"
        " characters 422; a malformed `session_id` or a `cursor` not made for this query"
        " 400. Absent (404) with `CHATCORE_SEARCH=off`.",
    )),
]  # fmt: skip
