"""The search index: the same results for the same data in memory, SQLite and MongoDB.

Results are asserted through the search use case (ranking and snippets are the domain's),
so that every adapter must find exactly the same texts, and hide the same deleted ones.
"""

import random
from typing import Any

import pytest

from adapters.memory import MemoryObjectStore
from chatcore.accounts.model import User
from chatcore.artifacts.model import ArtifactFile, ArtifactStatus, ArtifactType, Ingestion, file_key
from chatcore.artifacts.stored_text import StoredTexts
from chatcore.artifacts.texts import TextState, TextStatus
from chatcore.chats.model import ChatSession, Message
from chatcore.search.indexing import SearchBackfill, artifact_text, message_text
from chatcore.search.model import HitKind, IndexedText
from chatcore.search.query import SearchQuery
from chatcore.search.ranking import rank
from chatcore.search.search import Search
from chatcore.shared.errors import InvalidInput
from chatcore_embed.testing.builders import a_message, a_session, a_user, an_artifact, at


class Corpus:
    """Users, sessions and messages written to a database, each message indexed; with
    `settled`, what the index defers is finished after every write."""

    def __init__(self, database: Any, settled: bool = False) -> None:
        self.database = database
        self.settled = settled
        self.search = Search(database.search)
        self.seconds = 0

    def user(self) -> User:
        return a_user()

    def session(self, owner: User) -> ChatSession:
        session = a_session(owner.id)
        self.database.sessions.add(session)
        return session

    def message(self, session: ChatSession, content: str, index: bool = True) -> Message:
        self.seconds += 1
        message = a_message(
            session.id,
            session.owner_id,
            content=content,
            created_at=at(self.seconds),
            updated_at=at(self.seconds),
        )
        self.database.messages.add(message)
        if index:
            self.index(message_text(session.owner_id, message))
        return message

    def index(self, *texts: IndexedText) -> None:
        self.database.search.add(list(texts))
        if self.settled:
            self.database.search.settle()

    def found(self, actor: User, q: str, **options: Any) -> list[str]:
        """The ids of what `q` finds (message ids; artifact id, or id:path for files)."""
        page = self.search.search(actor, q, **options)
        return [
            result.message_id
            or (f"{result.artifact_id}:{result.path}" if result.path else str(result.artifact_id))
            for result in page.items
        ]


@pytest.fixture(params=["pending", "settled"])
def corpus(database: Any, request: pytest.FixtureRequest) -> Corpus:
    # Every behaviour holds whether the adapter has finished its deferred work or not.
    return Corpus(database, settled=request.param == "settled")


def test_every_word_must_match(corpus: Corpus) -> None:
    alice = corpus.user()
    chat = corpus.session(alice)
    both = corpus.message(chat, "The deploy failed on the staging database")
    corpus.message(chat, "The deploy went fine")
    corpus.message(chat, "Our database is slow")
    assert corpus.found(alice, "deploy database") == [both.id]


def test_a_phrase_matches_its_words_in_order(corpus: Corpus) -> None:
    alice = corpus.user()
    chat = corpus.session(alice)
    in_order = corpus.message(chat, "please restart the build server now")
    corpus.message(chat, "the server will build itself")
    assert corpus.found(alice, '"build server"') == [in_order.id]
    assert corpus.found(alice, '"server build"') == []


def test_a_prefix_matches_the_words_it_begins(corpus: Corpus) -> None:
    alice = corpus.user()
    chat = corpus.session(alice)
    work = corpus.message(chat, "work is done")
    world = corpus.message(chat, "hello world")
    corpus.message(chat, "a sword")
    assert sorted(corpus.found(alice, "wor*")) == sorted([work.id, world.id])
    assert corpus.found(alice, "hello wor*") == [world.id]


def test_case_and_diacritics_are_ignored(corpus: Corpus) -> None:
    alice = corpus.user()
    chat = corpus.session(alice)
    cafe = corpus.message(chat, "Rendez-vous au Café de Flore")
    greek = corpus.message(chat, "ΆΛΦΑ and Straße")
    assert corpus.found(alice, "CAFE") == [cafe.id]
    assert corpus.found(alice, "café flore") == [cafe.id]
    assert corpus.found(alice, "αλφα strasse") == [greek.id]
    assert corpus.found(alice, "caf*") == [cafe.id]


def test_another_users_texts_never_appear(corpus: Corpus) -> None:
    alice, bob = corpus.user(), corpus.user()
    mine = corpus.message(corpus.session(alice), "quarterly report draft")
    corpus.message(corpus.session(bob), "quarterly report draft")
    assert corpus.found(alice, "quarterly report") == [mine.id]
    assert corpus.found(alice, "quart*") == [mine.id]


def test_session_id_narrows_to_one_session(corpus: Corpus) -> None:
    alice = corpus.user()
    first, second = corpus.session(alice), corpus.session(alice)
    here = corpus.message(first, "invoice number 42")
    there = corpus.message(second, "invoice number 43")
    assert corpus.found(alice, "invoice", session_id=first.id) == [here.id]
    assert corpus.found(alice, "invoice", session_id=second.id) == [there.id]


def test_a_deleted_message_vanishes_at_once(corpus: Corpus) -> None:
    alice = corpus.user()
    chat = corpus.session(alice)
    kept = corpus.message(chat, "budget meeting notes")
    gone = corpus.message(chat, "budget meeting moved")
    corpus.database.messages.mark_deleted(gone.id, at(100))
    assert corpus.found(alice, "budget meeting") == [kept.id]


def test_a_deleted_sessions_messages_and_artifacts_vanish_at_once(corpus: Corpus) -> None:
    alice = corpus.user()
    doomed, kept = corpus.session(alice), corpus.session(alice)
    corpus.message(doomed, "secret plans")
    notes = an_artifact(doomed.id, alice.id, content="more secret plans")
    corpus.database.artifacts.add(notes)
    corpus.index(artifact_text(notes, "more secret plans"))
    survivor = corpus.message(kept, "secret plans for the party")
    assert len(corpus.found(alice, "secret plans")) == 3
    corpus.database.sessions.mark_deleted(doomed.id, at(100))
    assert corpus.found(alice, "secret plans") == [survivor.id]


def test_a_deleted_artifact_vanishes_with_all_its_files(corpus: Corpus) -> None:
    alice = corpus.user()
    chat = corpus.session(alice)
    archive = an_artifact(chat.id, alice.id, type=ArtifactType.ZIP, content=None)
    corpus.database.artifacts.add(archive)
    corpus.index(
        _file(archive.id, chat, alice, "src/app.py", "def handler(): return 42"),
        _file(archive.id, chat, alice, "README.md", "The handler answers"),
    )
    assert sorted(corpus.found(alice, "handler")) == [
        f"{archive.id}:README.md",
        f"{archive.id}:src/app.py",
    ]
    corpus.database.artifacts.mark_deleted(archive.id, at(100))
    assert corpus.found(alice, "handler") == []


def test_a_text_indexed_twice_is_found_once(corpus: Corpus) -> None:
    alice = corpus.user()
    chat = corpus.session(alice)
    message = corpus.message(chat, "idempotent writes")
    corpus.index(message_text(alice.id, message))
    assert corpus.found(alice, "idempotent") == [message.id]
    assert corpus.database.search.indexed([message.id, "0" * 24]) == {message.id}


def test_removed_items_and_sessions_are_forgotten(corpus: Corpus) -> None:
    alice = corpus.user()
    chat, other = corpus.session(alice), corpus.session(alice)
    first = corpus.message(chat, "rotate the keys")
    second = corpus.message(chat, "rotate the logs")
    elsewhere = corpus.message(other, "rotate the tyres")
    corpus.database.search.remove_items([first.id])
    assert sorted(corpus.found(alice, "rotate")) == sorted([second.id, elsewhere.id])
    corpus.database.search.remove_for_sessions([chat.id])
    assert corpus.found(alice, "rotate") == [elsewhere.id]
    assert corpus.database.search.indexed([first.id, second.id, elsewhere.id]) == {elsewhere.id}


def test_the_same_data_gives_the_same_ranked_results(corpus: Corpus) -> None:
    # Written out in full: every adapter must give exactly this, order and scores included.
    alice = corpus.user()
    chat = corpus.session(alice)
    short = corpus.message(chat, "cache miss")
    repeated = corpus.message(chat, "cache miss after cache miss after cache miss")
    long = corpus.message(chat, "a cache miss " + "and then some unrelated words " * 20)
    newer_twin = corpus.message(chat, "cache miss")
    page = corpus.search.search(alice, "cache miss")
    assert [(r.message_id, r.score) for r in page.items] == [
        (repeated.id, 3.8681),
        (newer_twin.id, 3.3129),  # equal scores: the newer first
        (short.id, 3.3129),
        (long.id, 1.6009),
    ]
    assert page.items[0].snippet == "cache miss after cache miss after cache miss"
    assert page.items[0].highlights == ((0, 5), (6, 10), (17, 22), (23, 27), (34, 39), (40, 44))


def test_texts_written_in_bulk_and_one_by_one_are_all_found(corpus: Corpus) -> None:
    # More than SQLite's pending batch at once, then a few more: wherever each text is
    # (FTS5 or pending), it is found once.
    alice = corpus.user()
    chat = corpus.session(alice)
    bulk = [corpus.message(chat, f"bulk note {n}", index=False) for n in range(450)]
    corpus.index(*(message_text(alice.id, message) for message in bulk))
    more = [corpus.message(chat, f"bulk note extra {n}") for n in range(5)]
    # What an adapter defers stays bounded (SQLite: a batch of 200 records at the most).
    assert corpus.database.search.settle() < 200
    found = corpus.database.search.ranked(alice.id, SearchQuery.parse("bulk"), None, None, 1000)
    assert sorted(hit.key for hit in found) == sorted(m.id for m in bulk + more)
    corpus.database.search.remove_items([m.id for m in bulk[::2]])
    found = corpus.database.search.ranked(alice.id, SearchQuery.parse("note"), None, None, 1000)
    assert len(found) == 225 + 5


def test_pages_visit_every_result_once(corpus: Corpus) -> None:
    alice = corpus.user()
    chat = corpus.session(alice)
    written = {corpus.message(chat, f"ticket {'open ' * (n % 4)}{n}").id for n in range(25)}
    seen: list[str] = []
    cursor = None
    while True:
        page = corpus.search.search(alice, "ticket", limit=7, cursor=cursor)
        seen.extend(str(result.message_id) for result in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(written)


def test_a_cursor_of_another_query_is_refused(corpus: Corpus) -> None:
    alice = corpus.user()
    chat = corpus.session(alice)
    for n in range(3):
        corpus.message(chat, f"alpha beta {n}")
    cursor = corpus.search.search(alice, "alpha", limit=1).next_cursor
    assert cursor is not None
    with pytest.raises(InvalidInput):
        corpus.search.search(alice, "beta", limit=1, cursor=cursor)
    with pytest.raises(InvalidInput):
        corpus.search.search(corpus.user(), "alpha", limit=1, cursor=cursor)


@pytest.mark.parametrize(
    "q", ["alpha", "alpha beta", '"beta gamma"', "gam*", '"alpha be"* delta', "zeta"]
)
def test_every_adapter_ranks_as_the_domain_does(corpus: Corpus, q: str) -> None:
    # Texts of many lengths and frequencies: the adapters' points (SQLite's in SQL) must be
    # the domain's to the last unit, and their order the domain's order.
    alice = corpus.user()
    chat = corpus.session(alice)
    chance = random.Random(7)
    words = ["alpha", "beta", "gamma", "gamut", "delta", "epsilon"]
    texts = [
        message_text(alice.id, corpus.message(chat, " ".join(chance.choices(words, k=n))))
        for n in chance.choices(range(1, 400), k=60)
    ]
    query = SearchQuery.parse(q)
    expected = rank(
        query, [t.candidate for t in texts if query.matches(t.candidate.searchable)], None, 100
    )
    found = corpus.database.search.ranked(alice.id, query, None, None, 100)
    assert [(hit.key, hit.rank.points) for hit in found] == [
        (hit.key, hit.rank.points) for hit in expected
    ]
    if len(expected) > 5:  # and from any place in that order
        middle = expected[4].rank
        after = corpus.database.search.ranked(alice.id, query, None, middle, 3)
        assert [hit.key for hit in after] == [hit.key for hit in expected[5:8]]


def test_existing_data_is_indexed_once_and_resumably(
    database: Any, request: pytest.FixtureRequest
) -> None:
    if request.node.callspec.params["database"] == "memory":
        pytest.skip("a memory database is born with its index: nothing existed before it")
    corpus = Corpus(database)
    alice = a_user()
    chat = corpus.session(alice)
    old = [corpus.message(chat, f"legacy note {n}", index=False) for n in range(7)]
    deleted = corpus.message(chat, "legacy note deleted", index=False)
    database.messages.mark_deleted(deleted.id, at(100))
    notes = an_artifact(chat.id, alice.id, content="legacy artifact text")
    database.artifacts.add(notes)
    objects = MemoryObjectStore()
    repository = an_artifact(
        chat.id,
        alice.id,
        type=ArtifactType.REPOSITORY,
        content=None,
        ingestion=Ingestion(status=ArtifactStatus.READY, files_count=2),
    )
    database.artifacts.add(repository)
    database.artifact_files.add_many(
        repository.id, [ArtifactFile("a.txt", 13), ArtifactFile("b.bin", 3)]
    )
    objects.put(file_key(repository.id, "a.txt"), [b"legacy source"])
    objects.put(file_key(repository.id, "b.bin"), [b"\x00\x01\x02"])
    # An uploaded document whose text was extracted before the index existed.
    document = an_artifact(
        chat.id,
        alice.id,
        type=ArtifactType.PDF,
        content=None,
        text=TextState(TextStatus.READY, length=len("legacy document")),
    )
    database.artifacts.add(document)
    StoredTexts(objects).save(document.id, "legacy document")
    reports = []
    backfill = SearchBackfill(
        database.search_sources,
        database.search,
        database.artifacts,
        database.artifact_files,
        objects,
        reports.append,
        batch=3,
    )
    # Stopped after its first batch of messages, as a shutdown would; then resumed.
    calls = iter([False, True])
    assert backfill.run(stop=lambda: next(calls, True)) is False
    assert len(corpus.found(alice, "legacy note")) == 3
    assert backfill.run() is True
    assert sorted(corpus.found(alice, "legacy")) == sorted(
        [m.id for m in old] + [notes.id, f"{repository.id}:a.txt", document.id]
    )
    assert reports[-1].done
    # Done is done: a second start reads nothing.
    reports.clear()
    assert backfill.run() is True
    assert reports == []


def _file(artifact_id: str, chat: ChatSession, owner: User, path: str, text: str) -> IndexedText:
    return IndexedText.of(owner.id, chat.id, HitKind.ARTIFACT, artifact_id, at(0), text, path=path)
