"""Ranking and quoting a match: its score, and the snippet around its best match.

Both are computed from the text and its searchable form alone, so that every index gives
the same scores and snippets for the same data, and no other user's texts weigh on
anyone's ranking (as corpus statistics would). An index that ranks in its own engine
(SQLite, in SQL) computes `points` with exactly these operations, in this order, on the
constants of `SCORING`: IEEE arithmetic then gives the very same numbers.
"""

import functools
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

import attrs

from chatcore.search.model import Candidate, Hit
from chatcore.search.query import Phrase, SearchQuery
from chatcore.search.text import words
from chatcore.shared.paging import Rank

SNIPPET_MAX_CHARS = 240
# Where a long text is read for its snippet: matches further on still rank the text, and
# its snippet then shows where it begins.
SNIPPET_SCAN_CHARS = 200_000


@attrs.frozen
class Scoring:
    """BM25's saturation (`k1`) and length normalisation (`b`), against a typical message's
    length in words rather than the corpus average: a score depends on one text only.
    Scores are whole `points` (ten-thousandths): what orders and pages the results."""

    k1: float = 1.2
    b: float = 0.75
    typical_words: int = 64
    scale: int = 10_000


SCORING = Scoring()


def length_of(searchable: str) -> int:
    """A text's length in words, for ranking (at least 1)."""
    return max(searchable.count(" ") - 1, 1)


def points(query: SearchQuery, searchable: str, length: int | None = None) -> int:
    """How well a text matches: each phrase's saturated frequency, shorter texts first."""
    if length is None:
        length = length_of(searchable)
    k1, b = SCORING.k1, SCORING.b
    norm = k1 * ((1 - b) + b * length / SCORING.typical_words)
    total = 0.0
    for phrase in query.phrases:
        frequency = phrase.occurrences(searchable)
        total = total + frequency * (k1 + 1) / (frequency + norm)
    return int(total * SCORING.scale + 0.5)


def score_of(rank: Rank) -> float:
    """The score the API shows for a rank."""
    return rank.points / SCORING.scale


def rank(
    query: SearchQuery, found: Iterable[Candidate], after: Rank | None, limit: int
) -> list[Hit]:
    """The first `limit` of the texts found that come after `after`, best first (each
    text once): what an index that does not rank in its own engine returns."""
    unique = {candidate.key: candidate for candidate in found}
    hits = [
        Hit(
            Rank(points(query, c.searchable), c.created_at, c.key),
            c.session_id,
            c.kind,
            c.item_id,
            c.path,
        )
        for c in unique.values()
    ]
    if after is not None:
        hits = [hit for hit in hits if order(hit.rank) > order(after)]
    hits.sort(key=lambda hit: order(hit.rank))
    return hits[:limit]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
_COMPLEMENT = str.maketrans("0123456789abcdef", "fedcba9876543210")


def order(rank: Rank) -> tuple[int, int, str]:
    """The ranking order as a sort key: most points first, then newest (to the
    millisecond, as stored), then the higher id."""
    # Ids are hex: descending order is ascending order of each digit's complement.
    return (-rank.points, -((rank.at - _EPOCH) // _MILLISECOND), rank.id.translate(_COMPLEMENT))


def _matches(query: SearchQuery, text: str) -> Iterator[tuple[int, int, int]]:
    """(start, end, phrase number) of each match of a phrase of `query` in `text`."""
    if text.isascii():
        yield from _ascii_matches(query, text)
        return
    found = list(words(text[:SNIPPET_SCAN_CHARS]))
    terms = [word.term for word in found]
    for number, phrase in enumerate(query.phrases):
        size = len(phrase.terms)
        for at in range(len(found) - size + 1):
            if all(
                _begins(terms[at + k], phrase.terms[k], phrase.prefix and k == size - 1)
                for k in range(size)
            ):
                yield found[at].start, found[at + size - 1].end, number


def _ascii_matches(query: SearchQuery, text: str) -> Iterator[tuple[int, int, int]]:
    # Folding ASCII is lowering it, which moves no character: each phrase's first term is
    # looked for with str.find (fast), and the rest of the phrase checked where it is.
    lowered = text.lower()
    for number, phrase in enumerate(query.phrases):
        first, pattern = phrase.terms[0], _ascii_pattern(phrase)
        at = lowered.find(first)
        while at != -1:
            match = (
                None if at and lowered[at - 1] in _ASCII_WORD_CHARS else pattern.match(lowered, at)
            )
            if match is not None:
                yield at, match.end(), number
                at = lowered.find(first, match.end())
            else:
                at = lowered.find(first, at + 1)


_ASCII_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


@functools.cache
def _ascii_pattern(phrase: Phrase) -> re.Pattern[str]:
    """A lowered ASCII text holds `phrase` here: its words, whole (a last prefix's too)."""
    between = "[^a-z0-9]+".join(re.escape(term) for term in phrase.terms)
    return re.compile(between + ("[a-z0-9]*" if phrase.prefix else "(?![a-z0-9])"))


def _begins(term: str, wanted: str, prefix: bool) -> bool:
    return term.startswith(wanted) if prefix else term == wanted


def snippet(query: SearchQuery, text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """At most 240 characters of `text` around its best match, and the matches in them.

    The best match is the 240-character stretch that holds the most of the query's
    phrases (then the most matches), the earliest of equals; the snippet centres on it,
    and does not cut a word where it can help it.
    """
    matches = sorted(_matches(query, text))
    if not matches:
        return _trimmed(text, 0, min(len(text), SNIPPET_MAX_CHARS)), ()
    best: tuple[int, int] = (0, 0)
    best_rank = (-1, -1)
    for index, (start, _, _) in enumerate(matches):
        inside = []
        for match in matches[index:]:
            if match[0] > start + SNIPPET_MAX_CHARS:
                break  # sorted by start: no later match fits either
            if match[1] <= start + SNIPPET_MAX_CHARS:
                inside.append(match)
        rank = (len({m[2] for m in inside}), len(inside))
        if rank > best_rank:
            best_rank = rank
            best = (start, max(m[1] for m in inside) if inside else start)
    first, last = best
    last = min(last, first + SNIPPET_MAX_CHARS)
    slack = SNIPPET_MAX_CHARS - (last - first)
    start = max(0, first - slack // 2)
    end = min(len(text), start + SNIPPET_MAX_CHARS)
    start = max(0, end - SNIPPET_MAX_CHARS)
    start, end = _whole_words(text, start, end, first, last)
    shown = _trimmed(text, start, end)
    offset = start + (len(text[start:end]) - len(text[start:end].lstrip()))
    highlights = _merged(
        (max(s, start) - offset, min(e, end) - offset)
        for s, e, _ in matches
        if s < end and e > start
    )
    return shown, tuple((s, min(e, len(shown))) for s, e in highlights if s < len(shown))


def _whole_words(text: str, start: int, end: int, first: int, last: int) -> tuple[int, int]:
    """Move the ends inwards off a cut word, never past the best match."""
    if start > 0 and not text[start - 1].isspace():
        space = text.find(" ", start, first)
        if space != -1:
            start = space + 1
    if end < len(text) and not text[end].isspace():
        space = text.rfind(" ", last, end)
        if space != -1:
            end = space
    return start, end


def _trimmed(text: str, start: int, end: int) -> str:
    return text[start:end].strip()


def _merged(spans: Iterator[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
