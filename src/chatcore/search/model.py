"""What search keeps and answers: indexed texts, and the results made of them."""

import hashlib
from datetime import datetime
from enum import StrEnum

import attrs

from chatcore.search.text import SEARCHABLE_CHARS, terms_of
from chatcore.shared.ids import ArtifactId, MessageId, SessionId, UserId
from chatcore.shared.paging import Rank


class HitKind(StrEnum):
    MESSAGE = "message"
    ARTIFACT = "artifact"


@attrs.frozen
class Candidate:
    """A text an index found for a query, as ranking reads it: where it is, and its terms.

    `key` is the text's own id (see `text_key`); `item_id` the message's or the artifact's
    id; `path` the file inside a ZIP or repository artifact (None otherwise); `searchable`
    the text's terms (`terms_of`), what an index matches on.
    """

    key: str
    session_id: SessionId
    kind: HitKind
    item_id: str
    path: str | None
    created_at: datetime
    searchable: str


@attrs.frozen
class Hit:
    """A text found and ranked: where it is, and its place in the ranking."""

    rank: Rank
    session_id: SessionId
    kind: HitKind
    item_id: str
    path: str | None

    @property
    def key(self) -> str:
        return self.rank.id


@attrs.frozen
class IndexedText:
    """One searchable text: a message, an artifact's text, or one file of an archive.

    Only the first SEARCHABLE_CHARS characters are kept (and searched).
    """

    owner_id: UserId
    candidate: Candidate
    text: str

    @classmethod
    def of(
        cls,
        owner_id: UserId,
        session_id: SessionId,
        kind: HitKind,
        item_id: str,
        created_at: datetime,
        text: str,
        path: str | None = None,
    ) -> "IndexedText":
        """The indexed form of a text, its terms made once here for every index."""
        text = text[:SEARCHABLE_CHARS]
        key = text_key(item_id, path)
        candidate = Candidate(key, session_id, kind, item_id, path, created_at, terms_of(text))
        return cls(owner_id, candidate, text)


def text_key(item_id: str, path: str | None) -> str:
    """A text's own id (24 hex digits): its item's, or a digest of the item and the path."""
    if path is None:
        return item_id
    return hashlib.blake2b(f"{item_id}/{path}".encode(), digest_size=12).hexdigest()


@attrs.frozen
class SearchResult:
    """One match: where it is, the passage around its best match, and how good it is.

    `highlights` are [start, end) offsets into `snippet`, in characters (code points).
    """

    kind: HitKind
    session_id: SessionId
    message_id: MessageId | None
    artifact_id: ArtifactId | None
    path: str | None
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    score: float
    created_at: datetime
