"""What the server writes to disk is its owner's alone, whatever the umask says."""

import os
import stat
from pathlib import Path

import httpx

from tests import files
from tests.contract.api.conftest import PASSWORD, login
from tests.contract.api.server import ChatcoreServer


def test_the_data_dir_database_and_stored_files_are_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"  # made by the server; its log stays in tmp_path
    # The usual umask: without care, everything written would be readable by every user.
    previous = os.umask(0o022)
    try:
        env = {"CHATCORE_RATE_LIMITS": "off", "CHATCORE_DATA_DIR": str(data_dir)}
        server = ChatcoreServer(tmp_path, env).start()
    finally:
        os.umask(previous)
    try:
        created = server.cli(
            "create-user", "--email", "private@example.com", "--username", "private",
            "--password", PASSWORD, "--verified",
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        with httpx.Client(base_url=server.url, timeout=30) as http:
            token = login(http, "private@example.com").json()["access_token"]
            http.headers["Authorization"] = f"Bearer {token}"
            session = http.post("/chat/sessions", json={"title": "private"}).json()["_id"]
            archive, _ = files.project_zip()
            uploaded = http.post(
                f"/chat/sessions/{session}/artifacts/upload",
                files={"file": ("project.zip", archive, "application/zip")},
            )
            assert uploaded.status_code == 201, uploaded.text
        # While it runs: SQLite removes its -wal and -shm files when the last connection goes.
        written = {
            path.relative_to(data_dir).as_posix(): stat.S_IMODE(path.stat().st_mode)
            for path in data_dir.rglob("*")
        }
    finally:
        server.stop()
    assert {"chatcore.sqlite3", "chatcore.sqlite3-wal", "chatcore.sqlite3-shm"} <= set(written)
    assert any(name.startswith("storage/artifacts/") for name in written)
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    readable = {name: oct(mode) for name, mode in written.items() if mode & 0o077}
    assert readable == {}
