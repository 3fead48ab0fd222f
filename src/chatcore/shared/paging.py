"""Keyset paging: where a page of a list ends, and the opaque cursor that names that place.

A list that grows without bound is read a page at a time from a position (a time, then an
id for ties), never from an offset: an item added or removed elsewhere in the list does
not shift the pages, so a walk visits every item that was not changed during it once.
"""

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Generic, TypeVar

import attrs

from chatcore.shared.errors import InvalidInput
from chatcore.shared.ids import is_valid_id

T = TypeVar("T")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
_VERSION = "1"
_DIGEST_SIZE = 8
_LONGEST_CURSOR = 200  # far more than any cursor we make; longer ones are not read at all


@attrs.frozen(order=True)
class Position:
    """A place in a list ordered by a time (to the millisecond), then by id."""

    at: datetime
    id: str


def position_of_id(entry_id: str) -> Position:
    """Where an id made at some second would stand, for an id we hold no entry for."""
    # Our ids begin with the second they were made in (the ObjectId layout).
    return Position(_EPOCH + timedelta(seconds=int(entry_id[:8], 16)), entry_id)


@attrs.frozen
class Rank:
    """A place in a ranked list: by points (a whole-number score), then by time and id."""

    points: int
    at: datetime
    id: str


@attrs.frozen
class Page(Generic[T]):
    """Some items of a list and the cursor of the next page (None: nothing remains)."""

    items: list[T]
    next_cursor: str | None


class ListKind(Enum):
    """The lists that page; a cursor made for one is refused by every other."""

    SESSIONS = "s"
    MESSAGES = "m"
    ARTIFACTS = "a"
    ROOM_HISTORY = "r"
    SEARCH = "q"


@attrs.frozen
class Cursors:
    """Cursors of one list (`kind`, under `scope`: a user, a session or a room).

    A cursor is bound to the very list it was made for: a position means nothing in
    another list, so a cursor of another session's messages, or of another user's
    sessions, is refused (400) rather than silently giving some unrelated page. The
    digest makes a cursor whose text was altered, truncated or made up "not one of
    ours"; it is not a secret (a forged cursor could only name a position in a list the
    caller may read anyway).
    """

    kind: ListKind
    scope: str

    def encode(self, position: Position) -> str:
        """The opaque cursor naming `position`."""
        return self._sealed(str((position.at - _EPOCH) // _MILLISECOND), position.id)

    def decode(self, cursor: str) -> Position:
        """The position a cursor of this list names; InvalidInput for anything else."""
        parts = self._read(cursor)
        if parts is None or len(parts) != 2:
            raise InvalidInput("Invalid cursor")
        return Position(_EPOCH + int(parts[0]) * _MILLISECOND, parts[1])

    def encode_rank(self, rank: Rank) -> str:
        """The opaque cursor naming `rank` in a ranked list."""
        return self._sealed(f"{rank.points}.{(rank.at - _EPOCH) // _MILLISECOND}", rank.id)

    def decode_rank(self, cursor: str) -> Rank:
        """The place in a ranked list a cursor of it names; InvalidInput for anything else."""
        parts = self._read(cursor)
        if parts is None or len(parts) != 3:
            raise InvalidInput("Invalid cursor")
        points, milliseconds, entry_id = parts
        return Rank(int(points), _EPOCH + int(milliseconds) * _MILLISECOND, entry_id)

    def _sealed(self, numbers: str, entry_id: str) -> str:
        body = f"{_VERSION}.{self.kind.value}.{numbers}.{entry_id}".encode("ascii")
        token = base64.urlsafe_b64encode(self._digest(body) + body)
        return token.decode("ascii").rstrip("=")

    def _read(self, cursor: str) -> list[str] | None:
        """The numbers and the id a cursor of this list holds; None if it is not one."""
        if len(cursor) > _LONGEST_CURSOR or not cursor.isascii():
            return None
        try:
            raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            return None
        # One spelling per cursor: the last character's unused bits, which the decoder would
        # ignore, are part of what is checked.
        if base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=") != cursor:
            return None
        digest, body = raw[:_DIGEST_SIZE], raw[_DIGEST_SIZE:]
        if not hmac.compare_digest(digest, self._digest(body)):
            return None  # altered, made up, or made for another list
        parts = body.decode("ascii", errors="replace").split(".")
        if len(parts) < 4 or parts[0] != _VERSION or parts[1] != self.kind.value:
            return None
        *numbers, entry_id = parts[2:]
        if not all(n.isdigit() and len(n) <= 15 for n in numbers) or not is_valid_id(entry_id):
            return None
        return [*numbers, entry_id]

    def _digest(self, body: bytes) -> bytes:
        hashed = hashlib.blake2b(digest_size=_DIGEST_SIZE, person=b"chatcore.cursor")
        hashed.update(f"{self.kind.value}:{self.scope}:".encode())
        hashed.update(body)
        return hashed.digest()


def page_backwards(
    newest: Callable[[int], Sequence[T]],
    limit: int,
    position: Callable[[T], Position],
    cursors: Cursors,
) -> Page[T]:
    """A page of a timeline read newest page first, its items oldest first.

    `newest(n)` gives up to n items before the page's start, oldest first: one more than
    `limit` is asked for, to learn whether older ones remain without a second query.
    """
    found = list(newest(limit + 1))
    if len(found) <= limit:
        return Page(found, None)
    items = found[1:]
    return Page(items, cursors.encode(position(items[0])))


def page_forwards(
    following: Callable[[int], Sequence[T]],
    limit: int,
    position: Callable[[T], Position],
    cursors: Cursors,
) -> Page[T]:
    """A page of a list read in its own order: the first `limit` items after the start."""
    found = list(following(limit + 1))
    if len(found) <= limit:
        return Page(found, None)
    items = found[:limit]
    return Page(items, cursors.encode(position(items[-1])))
