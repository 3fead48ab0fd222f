"""An in-memory build, and a whole account's round trip on it, do no I/O at all."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

AUDIT = Path(__file__).with_name("audit_memory_build.py")


def audited(database_url: str, cwd: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(AUDIT), database_url],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_memory_builds_touch_no_file_open_no_socket_and_start_no_thread(tmp_path: Path) -> None:
    report = audited("memory://", tmp_path)
    assert report == {"events": [], "threads_started": [], "threads_left": []}
    assert list(tmp_path.iterdir()) == []


def test_the_audit_sees_io_where_there_is_some(tmp_path: Path) -> None:
    # The same script over SQLite: if this saw nothing, the test above would prove nothing.
    report = audited(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path)
    seen = {event.split()[0] for event in report["events"]}
    assert {"open", "sqlite3.connect"} <= seen, report["events"][:5]
