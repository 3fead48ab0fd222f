"""How text becomes searchable terms: words, their case and diacritics folded away.

Every adapter of the search index matches on the terms made here, never on its own
tokenizer: the same text then gives the same terms (and so the same results) in SQLite,
MongoDB and memory. A word is a run of letters and digits, with the combining marks that
belong to them; anything else (spaces, punctuation, `_`, `'`) separates words. A term is a
word in its folded form: compatibility forms decomposed ("ﬁ" is "fi", "²" is "2"),
diacritics removed ("é" is "e", Greek "ά" is "α"), case folded ("Straße" is "strasse").
"""

import functools
import re
import sys
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple

# The indexable part of a text: enough for any message, file or long document's opening
# chapters, and bounded so that one text costs a bounded time to match, rank and quote.
SEARCHABLE_CHARS = 1_000_000


@functools.cache
def _word_pattern() -> re.Pattern[str]:
    """Letters and digits (`[^\\W_]`), each followed by the marks that belong to it.

    Python's \\w alone would split "हिन्दी" or a decomposed "é" at every mark. Built on
    first use: listing the marks takes a tenth of a second.
    """
    return re.compile(rf"[^\W_](?:[^\W_]|[{_mark_ranges()}])*")


def _mark_ranges() -> str:
    """A regex class body of every combining mark (categories Mn, Mc, Me)."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x20000):
        if unicodedata.category(chr(code)).startswith("M"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    ranges.append((0xE0100, 0xE01EF))  # variation selectors supplement
    return "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


class Word(NamedTuple):
    """A word of a text: where it is (`start`, `end`, in characters) and its term."""

    start: int
    end: int
    term: str


# The accents a reader looks through: the combining diacritics of Latin, Greek and Cyrillic
# (what é, ά, й decompose to), Hebrew points and Arabic vowel marks. Not the marks of Indic
# and other scripts, which are letters' vowels: without them words would merge.
_DIACRITIC_RANGES = (
    (0x0300, 0x036F),
    (0x0483, 0x0489),
    (0x0591, 0x05C7),
    (0x0610, 0x061A),
    (0x064B, 0x065F),
    (0x0670, 0x0670),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
)
_NO_DIACRITICS = {code: None for low, high in _DIACRITIC_RANGES for code in range(low, high + 1)}
# The same words found several times faster: in ASCII text; and, in other text, as runs of
# letters and digits wherever no character could be a mark (one that is neither a letter,
# a digit, a space nor common punctuation: emoji and symbols send a text the slow way too).
_ASCII_WORD = re.compile("[A-Za-z0-9]+")
_PLAIN_WORD = re.compile(r"[^\W_]+")
_MAYBE_MARK = re.compile(r"[^\w\s!-/:-@\[-`{-~\u00a0-\u00bf\u2000-\u206f]")


def _pattern_for(text: str) -> re.Pattern[str]:
    if text.isascii():
        return _ASCII_WORD
    return _word_pattern() if _MAYBE_MARK.search(text) else _PLAIN_WORD


@functools.lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """The term of one word: decomposed, without diacritics, case folded; "" if none is left."""
    if word.isascii():
        return word.lower()  # letters and digits only: `words` made it so
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    bare = decomposed.translate(_NO_DIACRITICS)
    # Folding again: a decomposition may give capitals ("ℌ" is "H") or punctuation ("⑴").
    folded = unicodedata.normalize("NFKD", bare.casefold())
    return "".join(c for c in folded if c.isalnum() or unicodedata.category(c)[0] == "M")


def words(text: str) -> Iterator[Word]:
    """The words of `text` in order, with their terms (words that fold to nothing skipped)."""
    for match in _pattern_for(text).finditer(text):
        term = fold(match.group())
        if term:
            yield Word(match.start(), match.end(), sys.intern(term) if len(term) < 16 else term)


def terms_of(text: str) -> str:
    """The searchable form of a text: its terms, one space between and around them.

    The spaces around make every term, phrase and prefix a plain substring to look for
    (" term ", " two terms ", " pre"), whatever the index that found the text.
    """
    text = text[:SEARCHABLE_CHARS]
    if text.isascii():
        found = _ASCII_WORD.findall(text.lower())
    else:
        found = [term for term in map(fold, _pattern_for(text).findall(text)) if term]
    return f" {' '.join(found)} " if found else " "
