"""The search query language: words ANDed, "phrases" and prefix* terms.

`q` is split on spaces outside double quotes. A quoted part is a phrase: its words must
follow one another. A part ending in `*` is a prefix: a word that starts with it matches.
A bare part with several words (`e-mail`, `don't`) is the phrase of them, as the text
would hold it. Every part must match (AND). An unclosed quote runs to the end of `q`.
"""

import re

import attrs

from chatcore.search.text import terms_of
from chatcore.shared.errors import InvalidInput

QUERY_MAX_LENGTH = 200

_PARTS = re.compile(r'"([^"]*)"?|(\S+)')


class QueryTooLong(InvalidInput):
    """`q` is longer than the documented limit (a request validation failure, not a rule)."""


@attrs.frozen
class Phrase:
    """Terms that must follow one another; the last only starts a word when `prefix`."""

    terms: tuple[str, ...]
    prefix: bool = False
    # What to look for in the searchable form of a text (see `terms_of`); made once, as
    # ranking reads it for every text found.
    needle: str = attrs.field(init=False, eq=False, repr=False)

    @needle.default
    def _needle(self) -> str:
        return f" {' '.join(self.terms)}{'' if self.prefix else ' '}"

    def occurrences(self, searchable: str) -> int:
        """How many times the phrase occurs in a text's searchable form."""
        return searchable.count(self.needle)


@attrs.frozen
class SearchQuery:
    """A parsed query: every phrase (a single word is a phrase of one) must match."""

    phrases: tuple[Phrase, ...]

    @classmethod
    def parse(cls, q: str) -> "SearchQuery":
        """The query `q` says; InvalidInput when blank or wordless, QueryTooLong over 200."""
        if len(q) > QUERY_MAX_LENGTH:
            raise QueryTooLong(f"q must be at most {QUERY_MAX_LENGTH} characters")
        if not q.strip():
            raise InvalidInput("q must not be blank")
        phrases: list[Phrase] = []
        for match in _PARTS.finditer(q):
            quoted, bare = match.groups()
            text = quoted if quoted is not None else bare
            prefix = quoted is None and text.endswith("*")
            terms = tuple(terms_of(text.rstrip("*") if prefix else text).split())
            phrase = Phrase(terms, prefix)
            if terms and phrase not in phrases:
                phrases.append(phrase)
        if not phrases:
            raise InvalidInput("q has no words to search for")
        return cls(tuple(phrases))

    def matches(self, searchable: str) -> bool:
        """Whether a text (in its searchable form) holds every phrase of the query."""
        return all(phrase.needle in searchable for phrase in self.phrases)

    @property
    def words(self) -> frozenset[str]:
        """The whole terms the query needs (prefixes excluded): what an index can look up."""
        return frozenset(
            term
            for phrase in self.phrases
            for term in (phrase.terms[:-1] if phrase.prefix else phrase.terms)
        )

    @property
    def prefixes(self) -> frozenset[str]:
        """The prefixes the query needs: one word of the text must start with each."""
        return frozenset(phrase.terms[-1] for phrase in self.phrases if phrase.prefix)

    def canonical(self) -> str:
        """One spelling per meaning, to bind a cursor to the query that made it."""
        return " ".join(
            f'"{" ".join(phrase.terms)}"{"*" if phrase.prefix else ""}' for phrase in self.phrases
        )
