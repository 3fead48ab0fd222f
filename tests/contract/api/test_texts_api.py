"""The text of documents through a real server: extracted in the background from real
files, served in slices, kept to the artifact routes' rules; restarts and two processes."""

import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import documents, files
from tests.contract.api.conformance import ResponseConformance
from tests.contract.api.conftest import Account
from tests.contract.api.server import ChatcoreServer
from tests.contract.api.test_artifacts_api import artifact_url, uploaded
from tests.contract.api.test_repositories_api import client_of, own_account
from tests.contract.api.test_repositories_api import settled as settled_artifact
from tests.contract.api.test_rooms_api import sibling
from tests.contract.api.test_sessions_api import new_session
from tests.documents import FRENCH, GREEK, RUSSIAN

needs_font = pytest.mark.skipif(
    not documents.FONT.exists(), reason="fonts-dejavu-core is not installed (make test does)"
)
# Quick to find work and to take over a dead worker's: these tests wait on both.
FAST_JOBS = {"CHATCORE_TEXT_POLL_SECONDS": "0.3", "CHATCORE_TEXT_LEASE_SECONDS": "3"}


def text_of(client: httpx.Client, account: Account, artifact: Any, **query: int) -> httpx.Response:
    return client.get(f"{artifact_url(artifact)}/text", params=query, headers=account.headers)


def settled(client: httpx.Client, account: Account, artifact: Any, timeout: float = 90) -> Any:
    """The artifact once its text is no longer pending."""
    return settled_artifact(client, account, artifact, timeout, key="text_status")


@pytest.fixture(scope="module")
def three_pages() -> bytes:
    return documents.pdf_document(3)


@needs_font
def test_a_pdfs_text_is_extracted_in_the_background_and_served_in_slices(
    client: httpx.Client, account: Account, three_pages: bytes
) -> None:
    artifact = uploaded(client, account, "paper.pdf", three_pages)
    assert artifact["metadata"]["text_status"] == "pending"
    done = settled(client, account, artifact)
    assert done["metadata"]["text_status"] == "ready"
    assert done["metadata"]["text_truncated"] is False
    whole = text_of(client, account, artifact).json()
    assert (whole["artifact_id"], whole["status"], whole["offset"]) == (artifact["id"], "ready", 0)
    text = whole["text"]
    assert whole["total"] == len(text) and text.count("\f") == 2
    for number, page in enumerate(text.split("\f"), start=1):
        first, second = page.split("\n\n")
        assert first.startswith(f"Page {number} opens: {GREEK}, {RUSSIAN}.")
        assert second.startswith(f"Page {number} second paragraph: {FRENCH}.")
    part = text_of(client, account, artifact, offset=25, limit=40).json()
    assert (part["text"], part["offset"], part["total"]) == (text[25:65], 25, len(text))
    beyond = text_of(client, account, artifact, offset=len(text) + 10).json()
    assert (beyond["text"], beyond["total"]) == ("", len(text))


PARAGRAPHS = [f"First: {GREEK}.", f"Second: {RUSSIAN}.", f"Third: {FRENCH}."]


def test_docx_and_txt_uploads_get_their_text(client: httpx.Client, account: Account) -> None:
    for filename, data, expected in [
        ("report.docx", documents.docx_document(PARAGRAPHS), "\n\n".join(PARAGRAPHS)),
        ("notes.txt", "Ünïcode notes\n\nline two\n".encode(), "Ünïcode notes\n\nline two\n"),
    ]:
        artifact = uploaded(client, account, filename, data)
        assert settled(client, account, artifact)["metadata"]["text_status"] == "ready"
        assert text_of(client, account, artifact).json()["text"] == expected, filename


def test_a_legacy_doc_gets_its_text_where_catdoc_is(
    client: httpx.Client, account: Account, tmp_path: Path
) -> None:
    if documents.SOFFICE is None:
        pytest.skip("LibreOffice (libreoffice-writer-nogui) is not installed: make test does")
    artifact = uploaded(client, account, "legacy.doc", documents.doc_document(PARAGRAPHS, tmp_path))
    done = settled(client, account, artifact)
    if shutil.which("catdoc") is None:
        assert done["metadata"]["text_status"] == "unsupported"
        assert "catdoc is not installed" in done["metadata"]["text_error"]
    else:
        assert done["metadata"]["text_status"] == "ready"
        assert text_of(client, account, artifact).json()["text"] == "\n\n".join(PARAGRAPHS)


def test_a_text_artifact_has_its_content_as_text_at_once(
    client: httpx.Client, account: Account
) -> None:
    session = new_session(client, account)
    content = "Remember the milk ☕ " * 10
    response = client.post(
        f"/chat/sessions/{session['_id']}/artifacts",
        json={"type": "text", "name": "Notes", "content": content},
        headers=account.headers,
    )
    artifact = response.json()
    assert artifact["metadata"]["text_status"] == "ready"
    assert text_of(client, account, artifact, offset=5, limit=12).json() == {
        "artifact_id": artifact["id"], "status": "ready", "text": content[5:17], "offset": 5,
        "total": len(content),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("filename", "data", "status", "reason"),
    [
        ("locked.pdf", documents.encrypted_pdf("secret"), "unsupported", "encrypted"),
        ("scan.pdf", documents.image_only_pdf(), "unsupported", "no text layer"),
        ("bomb.pdf", documents.deflate_bomb_pdf(gibibytes=2), "failed", "could not be read"),
    ],
)
def test_documents_without_a_readable_text_say_why(
    client: httpx.Client, account: Account, filename: str, data: bytes, status: str, reason: str
) -> None:
    artifact = uploaded(client, account, filename, data)
    done = settled(client, account, artifact)
    assert done["metadata"]["text_status"] == status
    assert reason in done["metadata"]["text_error"]
    assert text_of(client, account, artifact).json() == {
        "artifact_id": artifact["id"], "status": status, "text": "", "offset": 0, "total": 0,
    }  # fmt: skip


@needs_font
def test_a_malformed_pdf_fails_with_a_readable_error(
    client: httpx.Client, account: Account, three_pages: bytes
) -> None:
    artifact = uploaded(client, account, "cut.pdf", three_pages[: len(three_pages) // 2])
    done = settled(client, account, artifact)
    assert done["metadata"]["text_status"] == "failed"
    assert done["metadata"]["text_error"].startswith("The PDF could not be read")


def test_archives_and_repositories_have_no_text_of_their_own(
    client: httpx.Client, account: Account
) -> None:
    archive = uploaded(client, account, "project.zip", files.project_zip()[0])
    session = new_session(client, account)
    repository = client.post(
        f"/chat/sessions/{session['_id']}/artifacts",
        json={"type": "repository", "source": "https://github.com/user/repo"},
        headers=account.headers,
    ).json()
    for artifact in (archive, repository):
        assert "text_status" not in artifact["metadata"]
        response = text_of(client, account, artifact)
        assert response.status_code == 404
        assert "/files" in response.json()["detail"]


def test_owner_rules_and_soft_deletes_hold_for_texts(
    client: httpx.Client, account: Account, other_account: Account
) -> None:
    artifact = uploaded(client, account, "notes.txt", b"private words")
    assert text_of(client, other_account, artifact).status_code == 404
    assert client.delete(artifact_url(artifact), headers=account.headers).status_code == 200
    assert text_of(client, account, artifact).status_code == 404
    other = uploaded(client, account, "notes.txt", b"more words")
    deleted = client.delete(f"/chat/sessions/{other['session_id']}", headers=account.headers)
    assert deleted.status_code == 200
    assert text_of(client, account, other).status_code == 404
    assert client.get(f"{artifact_url(other)}/text").status_code == 401


@pytest.mark.parametrize(
    "query", [{"limit": 0}, {"limit": 1_000_001}, {"offset": -1}, {"limit": "many"}]
)
def test_slices_out_of_range_are_422(
    client: httpx.Client, account: Account, query: dict[str, Any]
) -> None:
    artifact = uploaded(client, account, "notes.txt", b"words")
    response = client.get(f"{artifact_url(artifact)}/text", params=query, headers=account.headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"]


@contextmanager
def own_server(data_dir: Path, **env: str) -> Iterator[ChatcoreServer]:
    running = ChatcoreServer(data_dir, {"CHATCORE_RATE_LIMITS": "off", **env}).start()
    try:
        yield running
    finally:
        running.stop()


def test_a_text_over_the_limit_is_cut_and_says_so(
    tmp_path: Path, conformance: ResponseConformance
) -> None:
    with (
        own_server(tmp_path, CHATCORE_TEXT_MAX_CHARS="100") as running,
        client_of(running, conformance) as http,
    ):
        account = own_account(running, http)
        artifact = uploaded(http, account, "long.txt", ("word " * 1000).encode())
        done = settled(http, account, artifact)
        assert (done["metadata"]["text_status"], done["metadata"]["text_truncated"]) == (
            "ready", True,
        )  # fmt: skip
        assert text_of(http, account, artifact).json()["total"] == 100


@needs_font
def test_an_extraction_cut_by_a_shutdown_resumes_after_the_restart(
    tmp_path: Path, conformance: ResponseConformance
) -> None:
    # A long document (seconds to read), and a lease far longer than the test may take:
    # only a claim handed back at the shutdown resumes in time.
    book = documents.pdf_document(300, scale=4)
    env = {"CHATCORE_TEXT_POLL_SECONDS": "0.3", "CHATCORE_TEXT_LEASE_SECONDS": "600"}
    with own_server(tmp_path, **env) as first, client_of(first, conformance) as http:
        account = own_account(first, http)
        artifact = uploaded(http, account, "book.pdf", book)
        time.sleep(1)  # claimed at once (the upload wakes the worker); reading takes longer
    assert f"text artifact {artifact['id']}: stopped for shutdown, released" in first.log()
    with own_server(tmp_path, **env) as second, client_of(second, conformance) as http:
        done = settled(http, account, artifact, timeout=120)
        assert done["metadata"]["text_status"] == "ready", done
        text = text_of(http, account, artifact, limit=1_000_000).json()["text"]
    assert text.count("\f") == 299
    assert f"text artifact {artifact['id']} ready" in second.log()


def test_uploads_accepted_without_a_worker_are_extracted_by_the_next_start(
    tmp_path: Path, conformance: ResponseConformance
) -> None:
    with (
        own_server(tmp_path, CHATCORE_TEXT_WORKERS="0") as first,
        client_of(first, conformance) as http,
    ):
        account = own_account(first, http)
        artifact = uploaded(http, account, "notes.txt", "kept for later ✓".encode())
        time.sleep(0.5)
        current = http.get(artifact_url(artifact), headers=account.headers).json()
        assert current["metadata"]["text_status"] == "pending"
        assert text_of(http, account, artifact).json() == {
            "artifact_id": artifact["id"], "status": "pending", "text": "", "offset": 0,
            "total": 0,
        }  # fmt: skip
    with own_server(tmp_path, **FAST_JOBS) as second, client_of(second, conformance) as http:
        assert settled(http, account, artifact)["metadata"]["text_status"] == "ready"
        assert text_of(http, account, artifact).json()["text"] == "kept for later ✓"


def test_two_processes_on_one_database_extract_each_text_once(
    server: ChatcoreServer, client: httpx.Client, account: Account, three_pages: bytes
) -> None:
    with sibling(server, **FAST_JOBS) as other, httpx.Client(base_url=other.url, timeout=30) as two:
        made = []
        for number in range(8):
            via = client if number % 2 else two
            data = three_pages if number % 4 == 0 else f"text number {number}".encode()
            name = "paper.pdf" if number % 4 == 0 else "notes.txt"
            made.append(uploaded(via, account, name, data))
        for artifact in made:
            assert settled(client, account, artifact)["metadata"]["text_status"] == "ready"
        logs = server.log() + other.log()
    for artifact in made:
        assert len(re.findall(f"text artifact {artifact['id']} ready", logs)) == 1
