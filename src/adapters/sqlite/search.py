"""The search index in SQLite: FTS5 finds the texts, the live tables say which may show."""

import sqlite3
from collections.abc import Iterator, Sequence

from adapters.sqlite.connection import Connections
from adapters.sqlite.purging import IDS_PER_STATEMENT
from adapters.sqlite.timestamps import from_ms, to_ms
from chatcore.chats.model import Message, MessageRole
from chatcore.search.model import HitKind, IndexedText
from chatcore.search.query import Phrase, SearchQuery
from chatcore.shared.ids import ArtifactId, MessageId, SessionId, UserId

_COLUMNS = "id, owner_id, session_id, kind, item_id, path, created_at, text, searchable"

# Driven by MATCH (owner, session and terms in one FTS5 query); each text found is kept
# only while its session and its message or artifact are live: soft deletes hide it at
# once, and nothing is written to the index when they happen.
_MATCHING = f"""
    SELECT {", ".join(f"t.{c}" for c in _COLUMNS.split(", "))}
    FROM search_terms JOIN search_texts t ON t.id = search_terms.rowid
    JOIN sessions s ON s.id = t.session_id AND s.deleted_at IS NULL
    WHERE search_terms MATCH ? AND CASE t.kind
        WHEN 'message' THEN EXISTS (
            SELECT 1 FROM messages m WHERE m.id = t.item_id AND m.deleted_at IS NULL)
        ELSE EXISTS (
            SELECT 1 FROM artifacts a WHERE a.id = t.item_id AND a.deleted_at IS NULL)
    END
"""


class SqliteSearchIndex:
    def __init__(self, connections: Connections) -> None:
        self._connections = connections

    def add(self, texts: Sequence[IndexedText]) -> None:
        if not texts:
            return
        # One transaction (or a savepoint of the caller's): the record and its terms together.
        with self._connections.transaction() as connection:
            for text in texts:
                cursor = connection.execute(
                    "INSERT INTO search_texts (key, owner_id, session_id, kind, item_id, path,"
                    " created_at, text, searchable) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (key) DO NOTHING",
                    (
                        text.key,
                        text.owner_id,
                        text.session_id,
                        text.kind.value,
                        text.item_id,
                        text.path,
                        to_ms(text.created_at),
                        text.text,
                        text.searchable,
                    ),
                )
                if cursor.rowcount == 1:
                    connection.execute(
                        "INSERT INTO search_terms (rowid, owner_id, session_id, searchable)"
                        " VALUES (?, ?, ?, ?)",
                        (cursor.lastrowid, text.owner_id, text.session_id, text.searchable),
                    )

    def matching(
        self, owner_id: UserId, query: SearchQuery, session_id: SessionId | None = None
    ) -> list[IndexedText]:
        clauses = [f'owner_id : "{owner_id}"']
        if session_id is not None:
            clauses.append(f'session_id : "{session_id}"')
        clauses.extend(f"searchable : {_fts_phrase(phrase)}" for phrase in query.phrases)
        rows = self._connections.get().execute(_MATCHING, (" AND ".join(clauses),)).fetchall()
        return [_to_text(row) for row in rows]

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
                    "INSERT INTO search_terms (search_terms, rowid, owner_id, session_id,"
                    " searchable) VALUES ('delete', ?, ?, ?, ?)",
                    [tuple(row) for row in rows],
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


def _fts_phrase(phrase: Phrase) -> str:
    # Terms are letters and digits only (see chatcore.search.text): nothing to escape.
    quoted = f'"{" ".join(phrase.terms)}"'
    return f"{quoted} *" if phrase.prefix else quoted


def _to_text(row: sqlite3.Row) -> IndexedText:
    return IndexedText(
        owner_id=UserId(row["owner_id"]),
        session_id=SessionId(row["session_id"]),
        kind=HitKind(row["kind"]),
        item_id=row["item_id"],
        path=row["path"],
        created_at=from_ms(row["created_at"]),
        text=row["text"],
        searchable=row["searchable"],
    )
