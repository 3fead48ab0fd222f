"""The search index in SQLite: FTS5 finds the texts, the live tables say which may show."""

import functools
import sqlite3
from collections.abc import Iterator, Sequence

from adapters.sqlite.connection import Connections
from adapters.sqlite.purging import IDS_PER_STATEMENT
from adapters.sqlite.timestamps import from_ms, to_ms
from chatcore.chats.model import Message, MessageRole
from chatcore.search.model import Hit, HitKind, IndexedText
from chatcore.search.query import SearchQuery
from chatcore.search.ranking import length_of, points
from chatcore.shared.ids import ArtifactId, MessageId, SessionId, UserId
from chatcore.shared.paging import Rank

# FTS5 writes a segment of its index at every commit, whatever it holds: about 100 µs, a
# quarter of what a whole POST of a message costs. So a text's record is written in the
# transaction of the message (or file) it indexes, and its terms reach FTS5 in batches:
# records above the `fts` mark are "pending", and about every PENDING_BATCH records a
# write moves them in, in its own transaction. A query reads both: FTS5 up
# to the mark, the few pending records by scanning them; a text is found from the moment
# its transaction commits.
PENDING_BATCH = 200
_MARK = "(SELECT CAST(mark AS INTEGER) FROM search_progress WHERE task = 'fts')"
_COLUMNS = (
    "t.id, t.key, t.session_id, t.kind, t.item_id, t.path, t.created_at, t.searchable, t.words"
)

# Each text found is kept only while its session and its message or artifact are live:
# soft deletes hide it at once, and nothing is written to the index when they happen. Its
# phrases are checked on its terms (FTS5 matched their words); it is ranked in SQL by the
# domain's own `points` (a function of the connection), so that only a page of results
# ever reaches Python as rows; their texts are read for it alone.
_RANKED = """
    WITH found AS (
        SELECT {columns} FROM search_terms JOIN search_texts t ON t.id = search_terms.rowid
        WHERE search_terms MATCH :match
        UNION ALL
        SELECT {columns} FROM search_texts t
        WHERE t.id > coalesce({mark}, 0) AND t.owner_id = :owner
    )
    SELECT t.key, t.session_id, t.kind, t.item_id, t.path, t.created_at,
        search_points(t.searchable, t.words) AS points
    FROM found t JOIN sessions s ON s.id = t.session_id AND s.deleted_at IS NULL
    WHERE {phrases} AND CASE t.kind
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
    def __init__(self, connections: Connections, pending_batch: int = PENDING_BATCH) -> None:
        self._connections = connections
        self._pending_batch = pending_batch

    def add(self, texts: Sequence[IndexedText]) -> None:
        if not texts:
            return
        connection = self._connections.get()
        if connection.in_transaction:
            # The caller's unit of work (the message's own transaction): it keeps or drops
            # these writes with the rest; no savepoint of their own, on the path of every
            # message sent.
            self._add(connection, texts)
            return
        with self._connections.transaction() as connection:
            self._add(connection, texts)

    def _add(self, connection: sqlite3.Connection, texts: Sequence[IndexedText]) -> None:
        settle = False
        for text in texts:
            found = text.candidate
            cursor = connection.execute(
                "INSERT INTO search_texts (key, owner_id, session_id, kind, item_id, path,"
                " created_at, words, searchable, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
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
                    text.text,
                ),
            )
            # Ids go up by one (the largest, plus one): every multiple of the batch is
            # written once, and its writer moves the pending records in. No read of
            # the mark on every write.
            if cursor.rowcount == 1 and (cursor.lastrowid or 0) % self._pending_batch == 0:
                settle = True
        if settle:
            self._settle(connection)

    def settle(self) -> int:
        """Move every pending record's terms into FTS5 now; how many there were."""
        with self._connections.transaction() as connection:
            return self._settle(connection)

    def _settle(self, connection: sqlite3.Connection) -> int:
        mark = _mark(connection)
        rows = connection.execute(
            "SELECT id, owner_id, searchable FROM search_texts WHERE id > ? ORDER BY id", (mark,)
        ).fetchall()
        connection.executemany(
            "INSERT INTO search_terms (rowid, terms) VALUES (?, ?)",
            [(row[0], owned_terms(row[1], row[2])) for row in rows],
        )
        if rows:
            connection.execute(
                "INSERT INTO search_progress (task, mark) VALUES ('fts', ?)"
                " ON CONFLICT (task) DO UPDATE SET mark = excluded.mark",
                (str(rows[-1][0]),),
            )
        return len(rows)

    def ranked(
        self,
        owner_id: UserId,
        query: SearchQuery,
        session_id: SessionId | None,
        after: Rank | None,
        limit: int,
    ) -> list[Hit]:
        # FTS5 finds the words (whole, or as prefixes); the phrases are checked on the terms.
        words = [f'"{owner_id}{word}"' for word in sorted(query.words)]
        words.extend(f'"{owner_id}{prefix}" *' for prefix in sorted(query.prefixes))
        values: dict[str, object] = {"match": " AND ".join(words), "owner": owner_id}
        phrases = []
        for number, phrase in enumerate(query.phrases):
            values[f"needle{number}"] = phrase.needle
            phrases.append(f"instr(t.searchable, :needle{number}) > 0")
        if session_id is not None:
            values["session"] = session_id
            phrases.append("t.session_id = :session")
        after_clause = ""
        if after is not None:
            values.update(points=after.points, at=to_ms(after.at), key=after.id)
            after_clause = _AFTER
        values["limit"] = limit
        ranked = _RANKED.format(columns=_COLUMNS, mark=_MARK, phrases=" AND ".join(phrases))
        connection = self._connections.get()
        connection.create_function(
            "search_points", 2, functools.partial(points, query), deterministic=True
        )
        rows = connection.execute(
            f"SELECT * FROM ({ranked}) {after_clause} {_IN_ORDER}", values
        ).fetchall()
        return [_to_hit(row) for row in rows]

    def texts(self, keys: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(keys):
            marks = ", ".join("?" * len(chunk))
            rows = self._connections.get().execute(
                f"SELECT key, text FROM search_texts WHERE key IN ({marks})", chunk
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
                settled = connection.execute(
                    f"SELECT id, owner_id, searchable FROM search_texts"
                    f" WHERE {column} IN ({marks}) AND id <= ?",
                    (*chunk, _mark(connection)),
                ).fetchall()
                # A contentless FTS5 table forgets a row's terms when told what they were.
                connection.executemany(
                    "INSERT INTO search_terms (search_terms, rowid, terms) VALUES ('delete', ?, ?)",
                    [(row[0], owned_terms(row[1], row[2])) for row in settled],
                )
                connection.execute(f"DELETE FROM search_texts WHERE {column} IN ({marks})", chunk)


def _mark(connection: sqlite3.Connection) -> int:
    row = connection.execute(f"SELECT {_MARK}").fetchone()
    return 0 if row[0] is None else int(row[0])


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


def _to_hit(row: sqlite3.Row) -> Hit:
    return Hit(
        Rank(row["points"], from_ms(row["created_at"]), row["key"]),
        SessionId(row["session_id"]),
        HitKind(row["kind"]),
        row["item_id"],
        row["path"],
    )
