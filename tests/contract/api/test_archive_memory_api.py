"""A ZIP with half a million entries is refused without the server reading its directory."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bench.upload_memory import memory_kib

from tests import files
from tests.contract.api.conftest import PASSWORD, login
from tests.contract.api.server import ChatcoreServer

MIB = 1024


@pytest.fixture(scope="module")
def quiet_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatcoreServer]:
    # Its own process, so that no other test's work shows in its memory.
    running = ChatcoreServer(
        tmp_path_factory.mktemp("zipmemory"), {"CHATCORE_RATE_LIMITS": "off"}
    ).start()
    yield running
    running.stop()


def test_half_a_million_empty_entries_cost_the_server_little_memory(
    quiet_server: ChatcoreServer,
) -> None:
    created = quiet_server.cli(
        "create-user", "--email", "zips@example.com", "--username", "zips",
        "--password", PASSWORD, "--verified",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    archive = files.empty_entries_zip(500_000)
    assert len(archive) > 40_000_000  # the 45 MB of the report
    with httpx.Client(base_url=quiet_server.url, timeout=120) as http:
        token = login(http, "zips@example.com").json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        session = http.post("/chat/sessions", json={"title": "zips"}).json()["_id"]
        path = f"/chat/sessions/{session}/artifacts/upload"

        def send(data: bytes) -> httpx.Response:
            return http.post(path, files={"file": ("a.zip", data, "application/zip")})

        # Warm-up: an archive refused the same way, so the code on that path is loaded.
        assert send(files.empty_entries_zip(20_001)).status_code == 400
        peak_before = memory_kib(quiet_server.pid, "VmHWM")
        refused = send(archive)
        peak_after = memory_kib(quiet_server.pid, "VmHWM")
        resident_after = memory_kib(quiet_server.pid, "VmRSS")
    assert refused.status_code == 400
    assert refused.json() == {"detail": "Archive has more than 20000 entries"}
    grown = (peak_after - peak_before) / MIB
    print(f"peak RSS grew {grown:.1f} MiB")
    assert grown < 20, f"peak RSS grew {grown:.1f} MiB ({peak_before} -> {peak_after} KiB)"
    assert resident_after <= peak_after
    assert not list((Path(quiet_server.env["CHATCORE_DATA_DIR"]) / "storage").rglob("*.tmp"))
