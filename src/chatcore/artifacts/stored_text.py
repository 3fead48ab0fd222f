"""A document's text in object storage, in pieces of a fixed number of characters.

Readers ask for slices by character (`offset`, `limit`), and UTF-8 gives no way to find
the millionth character without decoding all before it. Pieces of 65,536 characters make
any slice a read of the pieces it spans: a page of 100,000 characters from the middle of
a 5,000,000-character text reads at most three pieces, never the whole text.
"""

from collections.abc import Iterator

import attrs

from chatcore.artifacts.model import objects_folder
from chatcore.artifacts.ports import ObjectStore
from chatcore.shared.errors import StorageFault
from chatcore.shared.ids import ArtifactId

PIECE_CHARS = 65_536


def text_key(artifact_id: ArtifactId, piece: int) -> str:
    """The object-storage key of one piece of an artifact's text (inside its folder, so
    that purging the artifact takes its text too)."""
    return f"{objects_folder(artifact_id)}/text/{piece:06d}"


@attrs.frozen
class StoredTexts:
    """Artifacts' texts, written once extracted and read back a slice at a time."""

    objects: ObjectStore

    def save(self, artifact_id: ArtifactId, text: str) -> int:
        """Store the whole text of an artifact; its length in characters."""
        self.objects.put_many(
            (text_key(artifact_id, number), text[start : start + PIECE_CHARS].encode("utf-8"))
            for number, start in enumerate(range(0, len(text), PIECE_CHARS))
        )
        return len(text)

    def slice(self, artifact_id: ArtifactId, length: int, offset: int, limit: int) -> str:
        """Characters `offset` to `offset + limit` of a stored text of `length` characters."""
        end = min(offset + limit, length)
        if offset >= end:
            return ""
        first, last = offset // PIECE_CHARS, (end - 1) // PIECE_CHARS
        joined = "".join(self._piece(artifact_id, number) for number in range(first, last + 1))
        start = offset - first * PIECE_CHARS
        return joined[start : start + (end - offset)]

    def pieces(self, artifact_id: ArtifactId, length: int) -> Iterator[str]:
        """The whole stored text, piece by piece (never all of it in memory at once)."""
        for number in range((length + PIECE_CHARS - 1) // PIECE_CHARS):
            yield self._piece(artifact_id, number)

    def _piece(self, artifact_id: ArtifactId, number: int) -> str:
        stream = self.objects.open(text_key(artifact_id, number))
        if stream is None:
            raise StorageFault("A document's text is missing from storage")
        with stream:
            return stream.read().decode("utf-8")
