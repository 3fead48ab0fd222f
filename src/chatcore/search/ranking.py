"""Ranking and quoting a match: its score, and the snippet around its best match.

Both are computed here, from the text and its searchable form alone, so that every index
gives the same scores and snippets for the same data; and no other user's texts weigh on
anyone's ranking (as corpus statistics would).
"""

from collections.abc import Iterator

from chatcore.search.query import SearchQuery
from chatcore.search.text import words

SNIPPET_MAX_CHARS = 240
# BM25's saturation and length normalisation, against a typical message's length (in
# words) rather than the corpus average: the score depends on one text only.
_K1 = 1.2
_B = 0.75
_TYPICAL_WORDS = 64
# Where a long text is read for its snippet: matches further on still rank the text, and
# its snippet then shows where it begins.
SNIPPET_SCAN_CHARS = 200_000


def score(query: SearchQuery, searchable: str) -> float:
    """How well a text matches: each phrase's saturated frequency, shorter texts first.

    Rounded to 4 decimals: what the API shows is what orders and pages the results.
    """
    length = max(searchable.count(" ") - 1, 1)
    norm = _K1 * (1 - _B + _B * length / _TYPICAL_WORDS)
    total = 0.0
    for phrase in query.phrases:
        frequency = phrase.occurrences(searchable)
        total += frequency * (_K1 + 1) / (frequency + norm)
    return round(total, 4)


def _matches(query: SearchQuery, text: str) -> Iterator[tuple[int, int, int]]:
    """(start, end, phrase number) of each match of a phrase of `query` in `text`."""
    found = list(words(text[:SNIPPET_SCAN_CHARS]))
    terms = [word.term for word in found]
    for number, phrase in enumerate(query.phrases):
        size = len(phrase.terms)
        first = phrase.terms[0]
        for at in range(len(found) - size + 1):
            if not _begins(terms[at], first, phrase.prefix and size == 1):
                continue
            if all(
                _begins(terms[at + k], phrase.terms[k], phrase.prefix and k == size - 1)
                for k in range(1, size)
            ):
                yield found[at].start, found[at + size - 1].end, number


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
