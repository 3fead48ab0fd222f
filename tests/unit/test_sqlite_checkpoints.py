"""The SQLite checkpointer: while it runs, commits leave the write-ahead log to its thread."""

import sqlite3
import threading
import time
from pathlib import Path

from adapters.sqlite.checkpoints import Checkpointer
from adapters.sqlite.connection import Connections


def wal_database(path: Path) -> Connections:
    connections = Connections(str(path))
    connections.get().execute("PRAGMA journal_mode = WAL")
    connections.get().execute("CREATE TABLE notes (body TEXT)")
    return connections


def autocheckpoint(connections: Connections) -> int:
    pages: int = connections.get().execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    return pages


def in_database_file(path: Path) -> int:
    """Rows of `notes` in the database file itself, the write-ahead log left unread."""
    reader = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        count: int = reader.execute("SELECT count(*) FROM notes").fetchone()[0]
        return count
    finally:
        reader.close()


def test_while_it_runs_no_connection_checkpoints_on_commit(tmp_path: Path) -> None:
    connections = wal_database(tmp_path / "db.sqlite3")
    checkpointer = Checkpointer(connections)
    assert autocheckpoint(connections) == 1000  # SQLite's own default, before the start
    checkpointer.start()
    try:
        # This thread's connection was open before the start; another opens after it.
        assert autocheckpoint(connections) == 0
        seen: list[int] = []
        other = threading.Thread(target=lambda: seen.append(autocheckpoint(connections)))
        other.start()
        other.join()
        assert seen == [0]
    finally:
        checkpointer.stop()
    assert autocheckpoint(connections) == 1000
    connections.close()


def test_its_thread_copies_the_log_into_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    connections = wal_database(path)
    connections.get().execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the table, in the file
    checkpointer = Checkpointer(connections, interval=0.05)
    checkpointer.start()
    try:
        for number in range(50):
            connections.get().execute("INSERT INTO notes VALUES (?)", (f"note {number}",))
        # Far below the 1,000 pages at which a commit would checkpoint: only the thread can.
        deadline = time.monotonic() + 10
        while in_database_file(path) < 50:
            assert time.monotonic() < deadline, "the log was not copied back"
            time.sleep(0.05)
    finally:
        checkpointer.stop()
        connections.close()


def frames_in_log(connections: Connections) -> int:
    _busy, frames, _copied = connections.get().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return int(frames)


def fill(connections: Connections, rows: int) -> None:
    for number in range(rows):
        connections.get().execute("INSERT INTO notes VALUES (?)", ("x" * 2000 + str(number),))


def test_a_pass_copies_the_log_back_and_the_next_write_starts_it_over(tmp_path: Path) -> None:
    connections = wal_database(tmp_path / "db.sqlite3")
    connections.checkpoint_on_commit(False)  # as while the thread runs
    fill(connections, 300)
    Checkpointer(connections).checkpoint()
    fill(connections, 1)
    assert frames_in_log(connections) < 10  # begun again, not 300 frames and more
    connections.close()


def test_a_long_log_the_pass_could_not_copy_is_finished_and_started_over(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite3"
    connections = wal_database(path)
    connections.checkpoint_on_commit(False)
    # A reader's snapshot keeps a passive pass from copying what was written after it, as
    # writes landing during a pass do under load.
    reader = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM notes").fetchone()
    fill(connections, 300)
    threading.Timer(0.3, lambda: reader.execute("COMMIT")).start()
    Checkpointer(connections, restart_frames=100).checkpoint()  # waits for the reader
    fill(connections, 1)
    assert frames_in_log(connections) < 10
    reader.close()
    connections.close()
