"""The schema, as numbered migrations; PRAGMA user_version records how many have run.

To change the schema, append a migration: never edit one that has shipped.
"""

from adapters.sqlite.connection import Connections

_INITIAL = (
    """
    CREATE TABLE IF NOT EXISTS users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        email TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        tier TEXT NOT NULL,
        verified INTEGER NOT NULL,
        active INTEGER NOT NULL,
        token_generation INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        deleted_at INTEGER
    )
    """,
    # Only live users hold on to an email or username; usernames are ASCII, so NOCASE suffices.
    """
    CREATE UNIQUE INDEX IF NOT EXISTS users_live_email
        ON users (email) WHERE deleted_at IS NULL
    """,
    """
    CREATE UNIQUE INDEX IF NOT EXISTS users_live_username
        ON users (username COLLATE NOCASE) WHERE deleted_at IS NULL
    """,
    """
    CREATE TABLE IF NOT EXISTS one_time_tokens (
        token_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        used INTEGER NOT NULL DEFAULT 0
    )
    """,
    "CREATE INDEX IF NOT EXISTS one_time_tokens_by_user ON one_time_tokens (user_id, kind)",
    "CREATE INDEX IF NOT EXISTS one_time_tokens_by_expiry ON one_time_tokens (expires_at)",
    """
    CREATE TABLE IF NOT EXISTS sessions (
        id TEXT PRIMARY KEY,
        owner_id TEXT NOT NULL,
        title TEXT NOT NULL,
        message_count INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_message_at INTEGER,
        deleted_at INTEGER
    )
    """,
    """
    CREATE INDEX IF NOT EXISTS sessions_live_by_owner
        ON sessions (owner_id, updated_at DESC, id DESC) WHERE deleted_at IS NULL
    """,
    """
    CREATE TABLE IF NOT EXISTS messages (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        author_id TEXT NOT NULL,
        role TEXT NOT NULL,
        content TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        deleted_at INTEGER
    )
    """,
    # Ids sort by creation, so paging back through a session is a walk down this index.
    """
    CREATE INDEX IF NOT EXISTS messages_live_by_session
        ON messages (session_id, id) WHERE deleted_at IS NULL
    """,
)

# Chat rooms. Room names compare case-sensitively: the default BINARY collation.
_ROOM_MESSAGES = (
    """
    CREATE TABLE IF NOT EXISTS room_messages (
        id TEXT PRIMARY KEY,
        room TEXT NOT NULL,
        author_id TEXT NOT NULL,
        username TEXT NOT NULL,
        content TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        deleted_at INTEGER
    )
    """,
    # As for messages: a room's latest messages are a walk down this index.
    """
    CREATE INDEX IF NOT EXISTS room_messages_live_by_room
        ON room_messages (room, id) WHERE deleted_at IS NULL
    """,
)

# The audit trail: read newest first, by user or by event kind.
_AUDIT = (
    """
    CREATE TABLE IF NOT EXISTS audit_events (
        id TEXT PRIMARY KEY,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        user_id TEXT,
        actor_id TEXT,
        address TEXT,
        details TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS audit_events_by_user ON audit_events (user_id, id)",
    "CREATE INDEX IF NOT EXISTS audit_events_by_kind ON audit_events (kind, id)",
)

# Artifacts, and the file index of archives and repositories.
_ARTIFACTS = (
    """
    CREATE TABLE IF NOT EXISTS artifacts (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        owner_id TEXT NOT NULL,
        type TEXT NOT NULL,
        name TEXT NOT NULL,
        source TEXT,
        content TEXT,
        size INTEGER,
        object_key TEXT,
        filename TEXT,
        content_type TEXT,
        status TEXT NOT NULL,
        files_count INTEGER,
        commit_id TEXT,
        error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        deleted_at INTEGER
    )
    """,
    """
    CREATE INDEX IF NOT EXISTS artifacts_live_by_session
        ON artifacts (session_id, id) WHERE deleted_at IS NULL
    """,
    # The primary key is the (artifact_id, path) index: a page by path is a walk along it.
    """
    CREATE TABLE IF NOT EXISTS artifact_files (
        artifact_id TEXT NOT NULL,
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        type TEXT NOT NULL,
        PRIMARY KEY (artifact_id, path)
    ) WITHOUT ROWID
    """,
)

# Claims on repository ingestion: who holds a job and until when, and how many tries so far.
# The partial index holds only unfinished jobs, so finding the next one stays cheap however
# many artifacts are done.
_INGESTION_CLAIMS = (
    "ALTER TABLE artifacts ADD COLUMN lease_owner TEXT",
    "ALTER TABLE artifacts ADD COLUMN lease_expires_at INTEGER",
    "ALTER TABLE artifacts ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0",
    """
    CREATE INDEX IF NOT EXISTS artifacts_unfinished ON artifacts (id)
        WHERE status IN ('pending', 'ingesting') AND deleted_at IS NULL
    """,
)

# Email changes wait for their verification; logins re-send that email only so often.
_PENDING_EMAIL = (
    "ALTER TABLE users ADD COLUMN pending_email TEXT",
    "ALTER TABLE users ADD COLUMN verification_sent_at INTEGER",
)

# Timelines and the artifact list are ordered by the time the server accepted each entry
# (to the millisecond), the id breaking ties: ids made by two processes within one second
# sort by the processes' random bytes, not by time. The (group, id) indexes served the old
# order only; the new ones serve every lookup by group that those did.
_ACCEPT_TIME_ORDER = (
    """
    CREATE INDEX IF NOT EXISTS messages_live_by_session_time
        ON messages (session_id, created_at, id) WHERE deleted_at IS NULL
    """,
    "DROP INDEX IF EXISTS messages_live_by_session",
    """
    CREATE INDEX IF NOT EXISTS room_messages_live_by_room_time
        ON room_messages (room, created_at, id) WHERE deleted_at IS NULL
    """,
    "DROP INDEX IF EXISTS room_messages_live_by_room",
    """
    CREATE INDEX IF NOT EXISTS artifacts_live_by_session_time
        ON artifacts (session_id, created_at, id) WHERE deleted_at IS NULL
    """,
)

# The mail outbox: emails queued in the transaction of the change that causes them. The
# partial index holds only emails still to deliver, ordered as senders claim them.
_MAIL_OUTBOX = (
    """
    CREATE TABLE IF NOT EXISTS mail_outbox (
        id TEXT PRIMARY KEY,
        recipient TEXT NOT NULL,
        subject TEXT NOT NULL,
        body TEXT NOT NULL,
        queued_at INTEGER NOT NULL,
        due_at INTEGER NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        owner TEXT,
        last_error TEXT,
        finished_at INTEGER
    )
    """,
    """
    CREATE INDEX IF NOT EXISTS mail_outbox_due ON mail_outbox (due_at, id)
        WHERE state IN ('pending', 'sending')
    """,
)

# Purging what was deleted long ago: each table's deleted rows in a partial index (only
# they are in it, so it stays small), the artifacts of a session whatever their state, and
# who runs each periodic job until when.
_PURGING = (
    "CREATE INDEX IF NOT EXISTS users_deleted ON users (deleted_at) WHERE deleted_at IS NOT NULL",
    """
    CREATE INDEX IF NOT EXISTS sessions_deleted
        ON sessions (deleted_at) WHERE deleted_at IS NOT NULL
    """,
    """
    CREATE INDEX IF NOT EXISTS messages_deleted
        ON messages (deleted_at) WHERE deleted_at IS NOT NULL
    """,
    # A purged session's messages: live ones along messages_live_by_session_time, these the
    # rest.
    """
    CREATE INDEX IF NOT EXISTS messages_deleted_by_session
        ON messages (session_id) WHERE deleted_at IS NOT NULL
    """,
    """
    CREATE INDEX IF NOT EXISTS room_messages_deleted
        ON room_messages (deleted_at) WHERE deleted_at IS NOT NULL
    """,
    """
    CREATE INDEX IF NOT EXISTS artifacts_deleted
        ON artifacts (deleted_at) WHERE deleted_at IS NOT NULL
    """,
    "CREATE INDEX IF NOT EXISTS artifacts_by_session ON artifacts (session_id)",
    """
    CREATE TABLE IF NOT EXISTS periodic_jobs (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        until INTEGER NOT NULL
    )
    """,
)

# The text of documents: where each artifact's stands (NULL: it has none of its own), and
# claims on its extraction, as _INGESTION_CLAIMS has for repositories. Uploads stored before
# it are queued for extraction; text artifacts' inline content is their text at once. The
# partial index holds only texts still to extract.
_DOCUMENT_TEXTS = (
    "ALTER TABLE artifacts ADD COLUMN text_status TEXT",
    "ALTER TABLE artifacts ADD COLUMN text_length INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE artifacts ADD COLUMN text_truncated INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE artifacts ADD COLUMN text_error TEXT",
    "ALTER TABLE artifacts ADD COLUMN text_lease_owner TEXT",
    "ALTER TABLE artifacts ADD COLUMN text_lease_expires_at INTEGER",
    "ALTER TABLE artifacts ADD COLUMN text_attempts INTEGER NOT NULL DEFAULT 0",
    """
    UPDATE artifacts SET text_status = 'pending'
        WHERE type IN ('pdf', 'doc', 'text') AND object_key IS NOT NULL
    """,
    """
    UPDATE artifacts SET text_status = 'ready', text_length = length(content)
        WHERE type = 'text' AND object_key IS NULL
    """,
    """
    CREATE INDEX IF NOT EXISTS artifacts_texts_unfinished ON artifacts (id)
        WHERE text_status IN ('pending', 'extracting') AND deleted_at IS NULL
    """,
)

# Search: each text's record (its terms, made by the domain, one space between them, and
# the text itself, last, so that ranking need not read it), and an FTS5 index of the terms,
# each prefixed with the owner's id, so that every user's terms have doclists of their
# own (see adapters.sqlite.search: `owned_terms`, and why records reach FTS5 in batches).
# The `ascii` tokenizer reads the terms back exactly, letters of any script included;
# contentless and without positions (detail=none): phrases are checked on the records.
_SEARCH = (
    """
    CREATE TABLE IF NOT EXISTS search_texts (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        owner_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        item_id TEXT NOT NULL,
        path TEXT,
        created_at INTEGER NOT NULL,
        words INTEGER NOT NULL,
        searchable TEXT NOT NULL,
        text TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS search_texts_by_item ON search_texts (item_id)",
    "CREATE INDEX IF NOT EXISTS search_texts_by_session ON search_texts (session_id)",
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS search_terms USING fts5(
        terms, content = '', tokenize = 'ascii', detail = none
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS search_progress (
        task TEXT PRIMARY KEY,
        mark TEXT NOT NULL
    )
    """,
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    _INITIAL,
    _ROOM_MESSAGES,
    _AUDIT,
    _ARTIFACTS,
    _INGESTION_CLAIMS,
    _PENDING_EMAIL,
    _ACCEPT_TIME_ORDER,
    _MAIL_OUTBOX,
    _PURGING,
    _DOCUMENT_TEXTS,
    _SEARCH,
)


def migrate(connections: Connections) -> None:
    """Bring the database up to the latest schema version."""
    # Persistent in the file; readers then no longer block the writer, nor it them.
    connections.get().execute("PRAGMA journal_mode = WAL")
    # IMMEDIATE: two processes starting together must not both run the same migration.
    with connections.transaction() as connection:
        version: int = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise RuntimeError(
                f"The database schema (version {version}) is newer than this code knows"
            )
        for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in statements:
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {number}")
