"""`chatcore backup DEST` while the server runs, and a server restored from the copy."""

import json
import stat
from pathlib import Path

import httpx

from tests.contract.api.conftest import Account, login
from tests.contract.api.server import ChatcoreServer
from tests.contract.api.test_artifacts_api import uploaded


def test_a_backup_taken_while_serving_restores_everything(
    server: ChatcoreServer, client: httpx.Client, account: Account, tmp_path: Path
) -> None:
    artifact = uploaded(client, account, "notes.txt", "kept bytes: é".encode())
    session_id = artifact["session_id"]
    sent = client.post(
        f"/chat/sessions/{session_id}/messages", json={"content": "before the backup"},
        headers=account.headers,
    )  # fmt: skip
    assert sent.status_code == 201
    destination = tmp_path / "backup"

    made = server.cli("backup", str(destination))

    assert made.returncode == 0, made.stderr
    summary = json.loads(made.stdout)
    assert summary["objects"] >= 1 and summary["secret_key"] is True
    assert stat.S_IMODE(destination.stat().st_mode) == 0o700
    for path in destination.rglob("*"):
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
    restored = ChatcoreServer(
        destination, {"CHATCORE_RATE_LIMITS": "off", "CHATCORE_REPOSITORY_WORKERS": "0"}
    ).start()
    try:
        with httpx.Client(base_url=restored.url, timeout=30) as http:
            # The key came along: tokens issued before the backup still hold.
            messages = http.get(f"/chat/sessions/{session_id}/messages", headers=account.headers)
            assert [m["content"] for m in messages.json()] == ["before the backup"]
            download = http.get(
                f"/chat/sessions/{session_id}/artifacts/{artifact['id']}/download",
                headers=account.headers,
            )
            assert download.content == "kept bytes: é".encode()
            assert login(http, account.email).status_code == 200
    finally:
        restored.stop()


def test_a_backup_goes_into_a_new_folder_only(server: ChatcoreServer, tmp_path: Path) -> None:
    (tmp_path / "something").write_text("already here")
    refused = server.cli("backup", str(tmp_path))
    assert refused.returncode == 2 and "not empty" in refused.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["something"]


def test_a_backup_of_what_is_not_embedded_says_what_to_use(
    server: ChatcoreServer, tmp_path: Path
) -> None:
    in_memory = ChatcoreServer(tmp_path / "data", {"CHATCORE_DATABASE_URL": "memory://"})
    refused = in_memory.cli("backup", str(tmp_path / "copy"))
    assert refused.returncode == 2 and "mongodump" in refused.stderr
    assert not (tmp_path / "copy").exists()
