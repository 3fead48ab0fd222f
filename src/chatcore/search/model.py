"""What search keeps and answers: indexed texts, and the results made of them."""

import hashlib
from datetime import datetime
from enum import StrEnum

import attrs

from chatcore.search.text import SEARCHABLE_CHARS, terms_of
from chatcore.shared.ids import ArtifactId, MessageId, SessionId, UserId


class HitKind(StrEnum):
    MESSAGE = "message"
    ARTIFACT = "artifact"


@attrs.frozen
class IndexedText:
    """One searchable text: a message, an artifact's text, or one file of an archive.

    `item_id` is the message's or the artifact's id; `path` the file inside a ZIP or
    repository artifact (None otherwise). `searchable` is the text's terms (`terms_of`):
    what an index matches on. Only the first SEARCHABLE_CHARS characters are kept.
    """

    owner_id: UserId
    session_id: SessionId
    kind: HitKind
    item_id: str
    path: str | None
    created_at: datetime
    text: str
    searchable: str

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
        return cls(owner_id, session_id, kind, item_id, path, created_at, text, terms_of(text))

    @property
    def key(self) -> str:
        """An id of its own (24 hex digits): the item's, or a digest of item and path."""
        if self.path is None:
            return self.item_id
        digest = hashlib.blake2b(f"{self.item_id}/{self.path}".encode(), digest_size=12)
        return digest.hexdigest()


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
