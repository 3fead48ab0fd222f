"""What holds a write up on SQLite: the background pollers, or the commits themselves.

    python -m bench.write_tail [--seconds 10] [--runs 3]

One thread sends messages through the use case as fast as it can, as the event loop does
under `POST` load, against chatcore built as `chatcore serve` builds it (SQLite in a
temporary data dir). Runs alternate between set-ups (SETUPS): where the write-ahead log
is checkpointed (on the commit that takes it past 1,000 pages, SQLite's default; in the
checkpoint thread the server now runs; nowhere, the lower bound), and whether the
background pollers run beside (the ingestion threads every 5 s, the mail sender every
second, as the server starts them). What is measured is the time the sending thread was
*blocked* (see `Blocked`): a lock, SQLite's busy wait, the disk — not the CPU time
neighbours on a shared machine take. Per statement (SQLite's trace callback), per send
(p99, p99.9, max), and the log's size at the end.
"""

import argparse
import itertools
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from adapters.sqlite.database import SqliteDatabase
from entrypoints.bootstrap import build
from entrypoints.settings import Settings

# Where the checkpoints run, and whether the background pollers run beside the writes.
SETUPS = (
    "on commit, pollers",  # as the server ran before its checkpoint thread
    "on commit, no pollers",
    "thread, pollers",  # as the server runs now
    "nowhere, pollers",  # the lower bound: the log grows without end
)


class Blocked:
    """How long this thread was blocked (asleep, not waiting for a CPU) at each statement.

    Wall time minus the time on a CPU minus the time waiting in a run queue
    (/proc/thread-self/schedstat): what is left is time the thread could not run, on a
    lock, a busy wait or the disk. On a machine shared with others the run-queue wait is
    large and varies; it is taken out, so what is measured is SQLite's, not the neighbours'.
    """

    def __init__(self) -> None:
        self._stat = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
        self.marks: list[tuple[float, str]] = []

    def now(self) -> float:
        """Seconds this thread has been blocked so far (plus a constant)."""
        on_cpu, queued, _ = os.pread(self._stat, 100, 0).split()
        return time.perf_counter() - (int(on_cpu) + int(queued)) / 1e9

    def __call__(self, statement: str) -> None:  # SQLite's trace callback
        self.marks.append((self.now(), " ".join(statement.split()[:3])))


def run(setup: str, seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="chatcore-write-tail-") as data_dir:
        runtime = build(Settings(data_dir=Path(data_dir), rate_limits=False))
        core = runtime.core
        user = core.auth.register("bench", "bench@example.com", "bench-password-1")
        session = core.sessions.create(user, "writes")
        database = runtime.database
        assert isinstance(database, SqliteDatabase)
        connection = database._connections.get()
        if setup.startswith("nowhere"):
            connection.execute("PRAGMA wal_autocheckpoint = 0")
        if setup.startswith("thread"):
            database.checkpointer.start()
        if setup.endswith(", pollers"):
            for worker in (runtime.ingestion, runtime.mail):
                if worker is not None:
                    worker.start()
        blocked = Blocked()
        connection.set_trace_callback(blocked)
        time.sleep(0.2)
        per_send: list[float] = []
        by_statement: Counter[str] = Counter()
        sends = 0
        until = time.perf_counter() + seconds
        while time.perf_counter() < until:
            blocked.marks.clear()
            before = blocked.now()
            core.sessions.send_message(user, session.id, "Hello, this is my message!")
            marks = [*blocked.marks, (blocked.now(), "")]
            sends += 1
            per_send.append((marks[-1][0] - before) * 1000)
            for (at, statement), (then, _) in itertools.pairwise(marks):
                by_statement[statement] += then - at
        wal = Path(data_dir, "chatcore.sqlite3-wal")
        wal_mib = wal.stat().st_size / 2**20 if wal.exists() else 0.0
        runtime.close()
    ordered = sorted(per_send)
    return {
        "sends": sends,
        "blocked_share": sum(ordered) / 1000 / seconds,
        "blocked_p99_ms": ordered[int(len(ordered) * 0.99)],
        "blocked_p999_ms": ordered[int(len(ordered) * 0.999)],
        "blocked_max_ms": ordered[-1],
        "blocked_in": {k: round(v, 2) for k, v in by_statement.most_common(3)},
        "wal_mib": wal_mib,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--setup", action="append", choices=SETUPS, help="only these set-ups")
    args = parser.parse_args()
    for number in range(args.runs):
        for setup in args.setup or SETUPS:
            r = run(setup, args.seconds)
            print(
                f"run {number + 1} {setup:26} {r['sends']:6d} sends; blocked"
                f" {r['blocked_share']:6.1%} of the time, per send p99"
                f" {r['blocked_p99_ms']:.2f} p99.9 {r['blocked_p999_ms']:.2f}"
                f" max {r['blocked_max_ms']:7.2f} ms; WAL {r['wal_mib']:.0f} MiB;"
                f" seconds blocked in {r['blocked_in']}",
                flush=True,
            )


if __name__ == "__main__":
    main()
