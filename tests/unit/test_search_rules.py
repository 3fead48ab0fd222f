"""The search query language, how text is folded into terms, ranking and snippets."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatcore.search.query import Phrase, QueryTooLong, SearchQuery
from chatcore.search.ranking import SNIPPET_MAX_CHARS, points, snippet
from chatcore.search.text import _word_pattern, fold, terms_of, words
from chatcore.shared.errors import InvalidInput


def test_words_phrases_and_prefixes_are_parsed() -> None:
    query = SearchQuery.parse('deploy "Build Server" wor* e-mail')
    assert query.phrases == (
        Phrase(("deploy",)),
        Phrase(("build", "server")),
        Phrase(("wor",), prefix=True),
        Phrase(("e", "mail")),
    )
    assert query.words == {"deploy", "build", "server", "e", "mail"}
    assert query.prefixes == {"wor"}


def test_an_unclosed_quote_runs_to_the_end() -> None:
    assert SearchQuery.parse('"open ended').phrases == (Phrase(("open", "ended")),)


@pytest.mark.parametrize("q", ["", "   ", "\t\n"])
def test_a_blank_query_is_invalid(q: str) -> None:
    with pytest.raises(InvalidInput, match="blank"):
        SearchQuery.parse(q)


def test_a_query_without_words_is_invalid() -> None:
    with pytest.raises(InvalidInput, match="no words"):
        SearchQuery.parse('*** "" !?')


def test_a_query_over_200_characters_is_too_long() -> None:
    SearchQuery.parse("a" * 200)
    with pytest.raises(QueryTooLong):
        SearchQuery.parse("a" * 201)


def test_one_meaning_has_one_spelling() -> None:
    assert SearchQuery.parse("Café  CAFE").canonical() == SearchQuery.parse("cafe").canonical()


@pytest.mark.parametrize(
    ("word", "term"),
    [
        ("Café", "cafe"),
        ("Straße", "strasse"),
        ("ﬁnance", "finance"),
        ("x²", "x2"),
        ("ΆΛΦΑ", "αλφα"),
        ("Việt", "viet"),
        ("İstanbul", "istanbul"),
        ("e\u0301clair", "eclair"),
    ],
)
def test_case_and_diacritics_fold_away(word: str, term: str) -> None:
    assert fold(word) == term


def test_marks_stay_inside_their_words() -> None:
    # Devanagari vowel signs are marks: a word is neither split at them nor loses them.
    assert [w.term for w in words("नमस्ते दुनिया")] == ["नमस्ते", "दुनिया"]
    assert fold("كَتَبَ") == "كتب"  # Arabic vowel marks are diacritics


def test_punctuation_and_underscores_separate_words() -> None:
    assert terms_of("don't foo_bar, (x)") == " don t foo bar x "
    assert [(w.start, w.end) for w in words("a, bc")] == [(0, 1), (3, 5)]


def test_a_phrase_occurs_only_as_whole_words_in_order() -> None:
    searchable = terms_of("the build server builds")
    assert Phrase(("build", "server")).occurrences(searchable) == 1
    assert Phrase(("build",)).occurrences(searchable) == 1
    assert Phrase(("build",), prefix=True).occurrences(searchable) == 2
    assert Phrase(("server", "build")).occurrences(searchable) == 0


def test_more_occurrences_and_shorter_texts_score_higher() -> None:
    query = SearchQuery.parse("cache")
    once, twice = terms_of("cache here"), terms_of("cache and cache")
    longer = terms_of("cache " + "filler " * 100)
    assert points(query, twice) > points(query, once) > points(query, longer) > 0


def test_a_snippet_centres_on_the_best_match() -> None:
    text = "alpha " * 100 + "needle in the haystack " + "omega " * 100
    shown, highlights = snippet(SearchQuery.parse("needle haystack"), text)
    assert len(shown) <= SNIPPET_MAX_CHARS
    assert "needle in the haystack" in shown
    assert [shown[start:end] for start, end in highlights] == ["needle", "haystack"]
    assert not shown.startswith("lpha")  # no word cut at the start


def test_the_best_match_holds_the_most_phrases() -> None:
    text = "apple " + "filler " * 60 + "banana " + "filler " * 60 + "apple banana together"
    shown, highlights = snippet(SearchQuery.parse("apple banana"), text)
    assert shown.endswith("apple banana together")
    assert [shown[s:e] for s, e in highlights][-2:] == ["apple", "banana"]


def test_highlights_point_into_the_original_spelling() -> None:
    shown, highlights = snippet(SearchQuery.parse("cafe"), "Meet at the CAFÉ, then the café.")
    assert [shown[s:e] for s, e in highlights] == ["CAFÉ", "café"]


def test_a_text_without_a_visible_match_shows_its_beginning() -> None:
    shown, highlights = snippet(SearchQuery.parse("zebra"), "x" * 500)
    assert shown == "x" * SNIPPET_MAX_CHARS
    assert highlights == ()


def test_ascii_and_other_texts_are_quoted_alike() -> None:
    # ASCII texts are searched with regexes, others word by word: the same matches.
    query = SearchQuery.parse('"build server" dep* ok')
    ascii_text = "Deploy: the BUILD-server is ok; build  server, deployed. oks"
    plain = snippet(query, ascii_text)
    other = snippet(query, ascii_text + " é")
    assert plain[1] == other[1]
    assert [plain[0][s:e] for s, e in plain[1]] == [
        "Deploy",
        "BUILD-server",
        "ok",
        "build  server",
        "deployed",
    ]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_the_fast_ways_to_words_find_what_the_full_pattern_does(text: str) -> None:
    # ASCII and mark-free texts are read with simpler patterns: never with another result.
    full = [term for term in map(fold, _word_pattern().findall(text)) if term]
    assert terms_of(text) == (f" {' '.join(full)} " if full else " ")
    assert [word.term for word in words(text)] == full
