"""The search index in SQLite: FTS5 finds the texts, the live tables say which may show."""

import functools
import sqlite3
from collections.abc import Iterator, Sequence

from adapters.sqlite.connection import Connections
from adapters.sqlite.purging import IDS_PER_STATEMENT
from adapters.sqlite.timestamps import from_ms, to_ms
from chatcore.chats.model import Message, MessageRole
from chatcore.search.model import Hit, HitKind, IndexedText
from chatcore.search.query import Phrase, SearchQuery
from chatcore.search.ranking import length_of, points
from chatcore.shared.ids import ArtifactId, MessageId, SessionId, UserId
from chatcore.shared.paging import Rank

# Driven by MATCH (the owner's terms, and the session, in one FTS5 query); each text found
# is kept only while its session and its message or artifact are live: soft deletes hide
# it at once, and nothing is written to the index when they happen. Ranked in SQL by the
# domain's own `points` (a function of the connection), so that only a page of results
# ever reaches Python as rows; their texts are read for it alone.
_RANKED = """
    SELECT t.key, t.session_id, t.kind, t.item_id, t.path, t.created_at,
        search_points(t.searchable, t.words) AS points
    FROM search_terms JOIN search_texts t ON t.id = search_terms.rowid
    JOIN sessions s ON s.id = t.session_id AND s.deleted_at IS NULL
    WHERE search_terms MATCH :match AND CASE t.kind
        WHEN 'message' THEN EXISTS (
            SELECT 1 FROM messages m WHERE m.id = t.item_id AND m.deleted_at IS NULL)
        ELSE EXISTS (
            SELECT 1 FROM artifacts a WHERE a.id = t.item_id AND a.deleted_at IS NULL)
    END
"""
_AFTER = """
    WHERE points < :points OR (points = :points AND (created_at < :at
        OR (created_at = :at AND key < :key)))
"""
_IN_ORDER = "ORDER BY points DESC, created_at DESC, key DESC LIMIT :limit"


def owned_terms(owner_id: str, searchable: str) -> str:
    """The terms as the FTS5 index holds them: each prefixed with its owner's id.

    Each user's terms are then terms of their own, with lists of their own: a query
    reads the caller's lists only, whatever other users wrote (the ids' 24 hex digits
    and a term make one token for the `ascii` tokenizer).
    """
    return " ".join(owner_id + term for term in searchable.split())


class SqliteSearchIndex:
    def __init__(self, connections: Connections) -> None:
        self._connections = connections

    def add(self, texts: Sequence[IndexedText]) -> None:
        if not texts:
            return
        # One transaction (or a savepoint of the caller's): the record and its terms together.
        with self._connections.transaction() as connection:
            for text in texts:
                found = text.candidate
                cursor = connection.execute(
                    "INSERT INTO search_texts (key, owner_id, session_id, kind, item_id, path,"
                    " created_at, words, searchable) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (key) DO NOTHING",
                    (
                        found.key,
                        text.owner_id,
                        found.session_id,
                        found.kind.value,
                        found.item_id,
                        found.path,
                        to_ms(found.created_at),
                        length_of(found.searchable),
                        found.searchable,
                    ),
                )
                if cursor.rowcount == 1:
                    connection.execute(
                        "INSERT INTO search_bodies (id, text) VALUES (?, ?)",
                        (cursor.lastrowid, text.text),
                    )
                    connection.execute(
                        "INSERT INTO search_terms (rowid, session_id, searchable) VALUES (?, ?, ?)",
                        (
                            cursor.lastrowid,
                            found.session_id,
                            owned_terms(text.owner_id, found.searchable),
                        ),
                    )

    def ranked(
        self,
        owner_id: UserId,
        query: SearchQuery,
        session_id: SessionId | None,
        after: Rank | None,
        limit: int,
    ) -> list[Hit]:
        clauses = [f"searchable : {_fts_phrase(owner_id, phrase)}" for phrase in query.phrases]
        if session_id is not None:
            clauses.append(f'session_id : "{session_id}"')
        values: dict[str, object] = {"match": " AND ".join(clauses), "limit": limit}
        after_clause = ""
        if after is not None:
            values.update(points=after.points, at=to_ms(after.at), key=after.id)
            after_clause = _AFTER
        connection = self._connections.get()
        connection.create_function(
            "search_points", 2, functools.partial(points, query), deterministic=True
        )
        rows = connection.execute(
            f"SELECT * FROM ({_RANKED}) {after_clause} {_IN_ORDER}", values
        ).fetchall()
        return [_to_hit(row) for row in rows]

    def texts(self, keys: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(keys):
            marks = ", ".join("?" * len(chunk))
            rows = self._connections.get().execute(
                "SELECT t.key, b.text FROM search_texts t JOIN search_bodies b ON b.id = t.id"
                f" WHERE t.key IN ({marks})",
                chunk,
            )
            found.update((row[0], row[1]) for row in rows)
        return found

    def indexed(self, item_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(item_ids):
            marks = ", ".join("?" * len(chunk))
            rows = self._connections.get().execute(
                f"SELECT DISTINCT item_id FROM search_texts WHERE item_id IN ({marks})", chunk
            )
            found.update(row[0] for row in rows)
        return found

    def remove_items(self, item_ids: Sequence[str]) -> None:
        self._remove_where("item_id", item_ids)

    def remove_for_sessions(self, session_ids: Sequence[SessionId]) -> None:
        self._remove_where("session_id", session_ids)

    def progress(self, task: str) -> str | None:
        row = (
            self._connections.get()
            .execute("SELECT mark FROM search_progress WHERE task = ?", (task,))
            .fetchone()
        )
        return None if row is None else str(row[0])

    def record_progress(self, task: str, mark: str) -> None:
        self._connections.get().execute(
            "INSERT INTO search_progress (task, mark) VALUES (?, ?)"
            " ON CONFLICT (task) DO UPDATE SET mark = excluded.mark",
            (task, mark),
        )

    def _remove_where(self, column: str, values: Sequence[str]) -> None:
        for chunk in _chunks(values):
            marks = ", ".join("?" * len(chunk))
            with self._connections.transaction() as connection:
                rows = connection.execute(
                    f"SELECT id, owner_id, session_id, searchable FROM search_texts"
                    f" WHERE {column} IN ({marks})",
                    chunk,
                ).fetchall()
                # A contentless FTS5 table forgets a row's terms when told what they were.
                connection.executemany(
                    "INSERT INTO search_terms (search_terms, rowid, session_id, searchable)"
                    " VALUES ('delete', ?, ?, ?)",
                    [
                        (
                            row["id"],
                            row["session_id"],
                            owned_terms(row["owner_id"], row["searchable"]),
                        )
                        for row in rows
                    ],
                )
                connection.executemany(
                    "DELETE FROM search_bodies WHERE id = ?", [(row["id"],) for row in rows]
                )
                connection.execute(f"DELETE FROM search_texts WHERE {column} IN ({marks})", chunk)


class SqliteSearchSources:
    def __init__(self, connections: Connections) -> None:
        self._connections = connections

    def messages_after(
        self, after: str | None, limit: int
    ) -> tuple[list[tuple[UserId, Message]], str | None]:
        # Along the messages' primary key; each session by its own.
        rows = (
            self._connections.get()
            .execute(
                "SELECT m.id, m.session_id, m.author_id, m.role, m.content, m.created_at,"
                " m.updated_at, m.deleted_at, s.owner_id FROM messages m"
                " LEFT JOIN sessions s ON s.id = m.session_id"
                " WHERE m.id > ? ORDER BY m.id LIMIT ?",
                (after or "", limit),
            )
            .fetchall()
        )
        found = [
            (
                UserId(row["owner_id"]),
                Message(
                    id=MessageId(row["id"]),
                    session_id=SessionId(row["session_id"]),
                    author_id=UserId(row["author_id"]),
                    content=row["content"],
                    role=MessageRole(row["role"]),
                    created_at=from_ms(row["created_at"]),
                    updated_at=from_ms(row["updated_at"]),
                ),
            )
            for row in rows
            if row["deleted_at"] is None and row["owner_id"] is not None
        ]
        return found, rows[-1]["id"] if rows else None

    def artifacts_after(self, after: str | None, limit: int) -> tuple[list[ArtifactId], str | None]:
        rows = (
            self._connections.get()
            .execute(
                "SELECT id, deleted_at FROM artifacts WHERE id > ? ORDER BY id LIMIT ?",
                (after or "", limit),
            )
            .fetchall()
        )
        found = [ArtifactId(row["id"]) for row in rows if row["deleted_at"] is None]
        return found, rows[-1]["id"] if rows else None


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    # SQLite caps the variables of one statement; stay well below.
    for start in range(0, len(values), IDS_PER_STATEMENT):
        yield values[start : start + IDS_PER_STATEMENT]


def _fts_phrase(owner_id: str, phrase: Phrase) -> str:
    # Terms are letters and digits only (see chatcore.search.text): nothing to escape.
    quoted = f'"{owned_terms(owner_id, " ".join(phrase.terms))}"'
    return f"{quoted} *" if phrase.prefix else quoted


def _to_hit(row: sqlite3.Row) -> Hit:
    return Hit(
        Rank(row["points"], from_ms(row["created_at"]), row["key"]),
        SessionId(row["session_id"]),
        HitKind(row["kind"]),
        row["item_id"],
        row["path"],
    )
