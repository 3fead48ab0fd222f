"""The Artifacts section of the API, through a real server, with real files."""

import base64
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import files
from tests.contract.api.conftest import Account, signed_in_account
from tests.contract.api.server import ChatcoreServer, Mailbox, SmtpServer
from tests.contract.api.test_sessions_api import MISSING_ID, new_session

ARTIFACT_FIELDS = {
    "id", "session_id", "user_id", "type", "name", "source", "files", "content", "metadata",
    "size", "created_at", "updated_at", "deleted", "deleted_at",
}  # fmt: skip
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def upload(
    client: httpx.Client,
    account: Account,
    session_id: str,
    filename: str,
    data: bytes,
    name: str | None = None,
) -> httpx.Response:
    return client.post(
        f"/chat/sessions/{session_id}/artifacts/upload",
        files={"file": (filename, data, "application/octet-stream")},
        data={} if name is None else {"name": name},
        headers=account.headers,
    )


def uploaded(client: httpx.Client, account: Account, filename: str, data: bytes) -> Any:
    session = new_session(client, account)
    response = upload(client, account, session["_id"], filename, data)
    assert response.status_code == 201, response.text
    return response.json()


def artifact_url(artifact: Any) -> str:
    return f"/chat/sessions/{artifact['session_id']}/artifacts/{artifact['id']}"


def stored_files(server: ChatcoreServer) -> set[Path]:
    root = Path(server.env["CHATCORE_DATA_DIR"]) / "storage"
    return {path for path in root.rglob("*") if path.is_file()}


@pytest.mark.parametrize(
    ("filename", "data", "kind", "content_type"),
    [
        ("document.pdf", files.pdf(), "pdf", "application/pdf"),
        ("report.docx", files.docx(), "doc", DOCX_TYPE),
        ("legacy.DOC", files.doc(), "doc", "application/msword"),
        ("notes.txt", "héllo wörld\n".encode(), "text", "text/plain; charset=utf-8"),
        ("project.zip", files.project_zip()[0], "zip", "application/zip"),
    ],
)
def test_upload_each_type_and_download_the_same_bytes(
    client: httpx.Client, account: Account, filename: str, data: bytes, kind: str, content_type: str
) -> None:
    artifact = uploaded(client, account, filename, data)
    assert set(artifact) == ARTIFACT_FIELDS
    assert (artifact["type"], artifact["name"], artifact["source"]) == (kind, filename, filename)
    assert artifact["size"] == len(data) and artifact["user_id"] == account.id
    assert artifact["metadata"]["filename"] == filename
    assert artifact["metadata"]["content_type"] == content_type
    assert artifact["metadata"]["storage_type"] == "object"
    assert artifact["metadata"]["status"] == "ready"
    assert (artifact["deleted"], artifact["deleted_at"]) == (False, None)
    download = client.get(f"{artifact_url(artifact)}/download", headers=account.headers)
    assert download.status_code == 200
    assert download.content == data
    assert download.headers["content-type"] == content_type
    assert download.headers["content-disposition"] == f'attachment; filename="{filename}"'
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-security-policy"] == "default-src 'none'; sandbox"


def test_a_long_file_name_keeps_its_extension_in_the_download(
    client: httpx.Client, account: Account
) -> None:
    session = new_session(client, account)
    filename = "Übersicht " + "quarterly figures " * 10 + "final.pdf"  # 199 characters
    response = upload(client, account, session["_id"], filename, files.pdf())
    assert response.status_code == 201, response.text
    download = client.get(f"{artifact_url(response.json())}/download", headers=account.headers)
    disposition = download.headers["content-disposition"]
    ascii_name = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert ascii_name.startswith("Ubersicht quarterly") and ascii_name.endswith(".pdf")
    assert disposition.endswith(".pdf")  # the UTF-8 name too


def test_upload_takes_a_display_name(client: httpx.Client, account: Account) -> None:
    session = new_session(client, account)
    response = upload(client, account, session["_id"], "a.pdf", files.pdf(), name="Spec v2")
    assert response.status_code == 201
    assert (response.json()["name"], response.json()["source"]) == ("Spec v2", "a.pdf")


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("fake.pdf", b"<html>not a pdf</html>"),
        ("fake.docx", files.zip_of({"word.txt": b"a zip, but no Word document inside"})),
        ("fake.docx", files.pdf()),
        ("fake.doc", files.pdf()),
        ("fake.zip", b"PK but not really"),
        ("binary.txt", bytes(range(256))),
        ("latin1.txt", "caf\u00e9".encode("latin-1")),
        ("empty.pdf", b""),
        ("program.exe", b"MZ\x90\x00"),
        ("no_extension", b"hello"),
    ],
)
def test_mismatched_or_unsupported_files_are_400_and_store_nothing(
    client: httpx.Client, account: Account, server: ChatcoreServer, filename: str, data: bytes
) -> None:
    session = new_session(client, account)
    before = stored_files(server)
    response = upload(client, account, session["_id"], filename, data)
    assert response.status_code == 400, response.text
    assert response.json()["detail"]
    assert stored_files(server) == before
    listed = client.get(f"/chat/sessions/{session['_id']}/artifacts", headers=account.headers)
    assert listed.json() == []


def test_a_zip_is_indexed_sorted_by_path_and_paged(client: httpx.Client, account: Account) -> None:
    data, members = files.project_zip()
    artifact = uploaded(client, account, "project.zip", data)
    assert artifact["metadata"]["files_count"] == len(members)
    assert artifact["files"] == []
    url = f"{artifact_url(artifact)}/files"
    page = client.get(url, headers=account.headers).json()
    assert (page["total"], page["limit"], page["offset"]) == (len(members), 50, 0)
    assert page["files"] == [
        {"path": path, "size": len(members[path]), "type": "file"} for path in sorted(members)
    ]
    second = client.get(url, params={"limit": 2, "offset": 2}, headers=account.headers).json()
    assert [f["path"] for f in second["files"]] == sorted(members)[2:4]
    for bad in ({"limit": 0}, {"limit": 1001}, {"offset": -1}, {"limit": "ten"}):
        assert client.get(url, params=bad, headers=account.headers).status_code == 422


def test_file_content_is_utf8_or_base64(client: httpx.Client, account: Account) -> None:
    data, members = files.project_zip()
    artifact = uploaded(client, account, "project.zip", data)
    base = f"{artifact_url(artifact)}/files"
    text = client.get(f"{base}/src/main.py", headers=account.headers).json()
    assert text == {
        "content": members["src/main.py"].decode(),
        "path": "src/main.py",
        "size": len(members["src/main.py"]),
        "encoding": "utf-8",
    }
    accented = client.get(f"{base}/docs/café.txt", headers=account.headers).json()
    assert accented["content"] == members["docs/café.txt"].decode("utf-8")
    binary = client.get(f"{base}/assets/logo.bin", headers=account.headers).json()
    assert binary["encoding"] == "base64"
    assert base64.b64decode(binary["content"]) == members["assets/logo.bin"]


@pytest.mark.parametrize(
    "path",
    [
        "missing.py",
        "src",
        "src/%2E%2E/%2E%2E/README.md",
        "..%2F..%2Fetc%2Fpasswd",
        "%2Fetc%2Fpasswd",
    ],
)
def test_a_path_outside_the_index_is_404(client: httpx.Client, account: Account, path: str) -> None:
    artifact = uploaded(client, account, "project.zip", files.project_zip()[0])
    # Sent as written: httpx would otherwise resolve the dots before they reach the server.
    raw = f"{artifact_url(artifact)}/files/{path}"
    response = client.get(raw, headers=account.headers)
    assert response.status_code == 404, (path, response.text)
    # Answered by the artifact route itself, not by a route that failed to match.
    assert response.json()["detail"] == "File not found"


@pytest.mark.parametrize(
    "archive",
    [
        files.zip_slip(),
        files.absolute_path_zip(),
        files.symlink_zip(),
        files.zip_bomb(),
        files.many_entries_zip(20_001),
    ],
    ids=["zip-slip", "absolute", "symlink", "bomb", "too-many-entries"],
)
def test_unsafe_archives_are_400_and_nothing_is_kept(
    client: httpx.Client, account: Account, server: ChatcoreServer, archive: bytes
) -> None:
    session = new_session(client, account)
    before = stored_files(server)
    response = upload(client, account, session["_id"], "archive.zip", archive)
    assert response.status_code == 400, response.text
    assert stored_files(server) == before
    listed = client.get(f"/chat/sessions/{session['_id']}/artifacts", headers=account.headers)
    assert listed.json() == []


def test_single_documents_have_an_empty_index(client: httpx.Client, account: Account) -> None:
    artifact = uploaded(client, account, "document.pdf", files.pdf())
    page = client.get(f"{artifact_url(artifact)}/files", headers=account.headers).json()
    assert (page["files"], page["total"]) == ([], 0)
    assert artifact["files"] is None
    missing = client.get(f"{artifact_url(artifact)}/files/document.pdf", headers=account.headers)
    assert missing.status_code == 404


def test_json_text_artifacts(client: httpx.Client, account: Account) -> None:
    session = new_session(client, account)
    response = client.post(
        f"/chat/sessions/{session['_id']}/artifacts",
        json={"type": "text", "name": "Notes", "content": "Remember the milk ☕"},
        headers=account.headers,
    )
    assert response.status_code == 201, response.text
    artifact = response.json()
    assert set(artifact) == ARTIFACT_FIELDS
    assert (artifact["type"], artifact["content"], artifact["files"]) == (
        "text", "Remember the milk ☕", None,
    )  # fmt: skip
    assert artifact["size"] == len("Remember the milk ☕".encode())
    download = client.get(f"{artifact_url(artifact)}/download", headers=account.headers)
    assert download.content == "Remember the milk ☕".encode()
    assert download.headers["content-disposition"] == 'attachment; filename="Notes.txt"'


def test_json_repository_artifacts_wait_for_ingestion(
    client: httpx.Client, account: Account
) -> None:
    session = new_session(client, account)
    url = f"/chat/sessions/{session['_id']}/artifacts"
    body = {"type": "repository", "name": "My Project", "source": "https://github.com/user/repo"}
    response = client.post(url, json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    artifact = response.json()
    assert (artifact["type"], artifact["source"], artifact["files"]) == (
        "repository", "https://github.com/user/repo", [],
    )  # fmt: skip
    assert artifact["metadata"] == {"storage_type": "object", "status": "pending", "files_count": 0}
    page = client.get(f"{artifact_url(artifact)}/files", headers=account.headers).json()
    assert page["total"] == 0
    for source in ("https://evil.example/user/repo", "file:///etc", "https://github.com/"):
        bad = {"type": "repository", "source": source}
        assert client.post(url, json=bad, headers=account.headers).status_code == 400, source


def test_json_create_rules(client: httpx.Client, account: Account) -> None:
    session = new_session(client, account)
    url = f"/chat/sessions/{session['_id']}/artifacts"
    for body, status in [
        ({"type": "pdf", "name": "x"}, 400),
        ({"type": "repository"}, 400),
        ({"type": "text", "name": " "}, 400),
        ({"type": "spreadsheet"}, 422),
        ({"name": "no type"}, 422),
        ({"type": "text", "content": 5}, 422),
        ({"type": "text", "colour": "red"}, 422),
    ]:
        assert client.post(url, json=body, headers=account.headers).status_code == status, body
    assert client.post(f"/chat/sessions/{MISSING_ID}/artifacts", json={"type": "text"},
                       headers=account.headers).status_code == 404  # fmt: skip
    assert client.post("/chat/sessions/bad/artifacts", json={"type": "text"},
                       headers=account.headers).status_code == 400  # fmt: skip


def test_list_get_update_delete(client: httpx.Client, account: Account) -> None:
    session = new_session(client, account)
    url = f"/chat/sessions/{session['_id']}/artifacts"
    first = upload(client, account, session["_id"], "a.pdf", files.pdf()).json()
    second = client.post(url, json={"type": "text", "name": "b"}, headers=account.headers).json()
    listed = client.get(url, headers=account.headers).json()
    assert [a["id"] for a in listed] == [first["id"], second["id"]]
    assert client.get(artifact_url(first), headers=account.headers).json() == first

    empty = client.put(artifact_url(first), json={}, headers=account.headers)
    assert empty.status_code == 400 and empty.json()["detail"] == "No fields to update"
    unknown = client.put(artifact_url(first), json={"type": "zip"}, headers=account.headers)
    assert unknown.status_code == 422
    renamed = client.put(artifact_url(first), json={"name": "Renamed"}, headers=account.headers)
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Renamed"
    assert renamed.json()["updated_at"] >= first["updated_at"]

    deleted = client.delete(artifact_url(first), headers=account.headers)
    assert deleted.json() == {"message": "Artifact deleted successfully"}
    for method in ("GET", "PUT", "DELETE"):
        again = client.request(method, artifact_url(first), json={"name": "x"},
                               headers=account.headers)  # fmt: skip
        assert again.status_code == 404, method
    assert client.get(f"{artifact_url(first)}/download", headers=account.headers).status_code == 404
    assert [a["id"] for a in client.get(url, headers=account.headers).json()] == [second["id"]]
    bad = client.get(f"/chat/sessions/{session['_id']}/artifacts/nothex", headers=account.headers)
    assert bad.status_code == 400


def test_another_users_artifacts_are_not_found(
    client: httpx.Client, account: Account, other_account: Account
) -> None:
    artifact = uploaded(client, account, "project.zip", files.project_zip()[0])
    url = artifact_url(artifact)
    for path in ("", "/files", "/files/src/main.py", "/download"):
        assert client.get(f"{url}{path}", headers=other_account.headers).status_code == 404, path
    listing = f"/chat/sessions/{artifact['session_id']}/artifacts"
    assert client.get(listing, headers=other_account.headers).status_code == 404
    theirs = upload(client, other_account, artifact["session_id"], "a.pdf", files.pdf())
    assert theirs.status_code == 404
    assert client.delete(url, headers=other_account.headers).status_code == 404
    assert client.get(url, headers=account.headers).status_code == 200
    # Under another of the owner's sessions, the artifact does not exist either.
    elsewhere = new_session(client, account)
    moved = f"/chat/sessions/{elsewhere['_id']}/artifacts/{artifact['id']}"
    assert client.get(moved, headers=account.headers).status_code == 404


def test_a_session_delete_disables_its_artifacts(client: httpx.Client, account: Account) -> None:
    session = new_session(client, account)
    url = f"/chat/sessions/{session['_id']}/artifacts"
    artifacts = [
        upload(client, account, session["_id"], "a.pdf", files.pdf()).json(),
        client.post(url, json={"type": "text", "name": "b"}, headers=account.headers).json(),
        upload(client, account, session["_id"], "c.zip", files.project_zip()[0]).json(),
    ]
    client.delete(artifact_url(artifacts[2]), headers=account.headers)
    deleted = client.delete(f"/chat/sessions/{session['_id']}", headers=account.headers)
    assert deleted.json() == {"message": "Session deleted successfully", "artifacts_disabled": 2}
    for artifact in artifacts:
        assert client.get(artifact_url(artifact), headers=account.headers).status_code == 404
    assert client.get(url, headers=account.headers).status_code == 404


def test_deleting_a_user_deletes_their_artifacts(
    client: httpx.Client, mailbox: Mailbox, admin: dict[str, str]
) -> None:
    account = signed_in_account(client, mailbox)
    artifact = uploaded(client, account, "a.pdf", files.pdf())
    assert client.delete(f"/users/{account.id}", headers=admin).status_code == 200
    relogged = signed_in_account(client, mailbox)
    assert client.get(artifact_url(artifact), headers=relogged.headers).status_code == 404


def test_a_file_missing_from_storage_is_500(
    client: httpx.Client, account: Account, server: ChatcoreServer
) -> None:
    before = stored_files(server)
    artifact = uploaded(client, account, "a.pdf", files.pdf())
    (added,) = stored_files(server) - before
    added.unlink()
    response = client.get(f"{artifact_url(artifact)}/download", headers=account.headers)
    assert response.status_code == 500
    assert response.json() == {"detail": "File not found on storage"}


def test_unicode_filenames_download_with_rfc6266(client: httpx.Client, account: Account) -> None:
    artifact = uploaded(client, account, "résumé 2025.pdf", files.pdf())
    download = client.get(f"{artifact_url(artifact)}/download", headers=account.headers)
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"resume 2025.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%202025.pdf"
    )


def test_artifacts_need_a_token(client: httpx.Client) -> None:
    assert client.get(f"/chat/sessions/{MISSING_ID}/artifacts").status_code == 401
    response = client.post(
        f"/chat/sessions/{MISSING_ID}/artifacts/upload", files={"file": ("a.pdf", files.pdf())}
    )
    assert response.status_code == 401


def test_upload_needs_a_file_field(client: httpx.Client, account: Account) -> None:
    session = new_session(client, account)
    url = f"/chat/sessions/{session['_id']}/artifacts/upload"
    assert client.post(url, data={"name": "x"}, headers=account.headers).status_code == 422
    assert client.post(url, json={"file": "x"}, headers=account.headers).status_code == 422


LIMIT = 1_000_000


@pytest.fixture(scope="module")
def small_server(
    tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer
) -> Iterator[ChatcoreServer]:
    running = ChatcoreServer(
        tmp_path_factory.mktemp("small"),
        {
            "CHATCORE_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
            "CHATCORE_RATE_LIMITS": "off",
            "CHATCORE_MAX_UPLOAD_BYTES": str(LIMIT),
            # The tests here count the objects stored: no text extracted meanwhile.
            "CHATCORE_TEXT_WORKERS": "0",
        },
    ).start()
    yield running
    running.stop()


def test_over_size_uploads_are_413_and_store_nothing(
    small_server: ChatcoreServer, mailbox: Mailbox
) -> None:
    with httpx.Client(base_url=small_server.url, timeout=30) as client:
        account = signed_in_account(client, mailbox)
        session = new_session(client, account)
        url = f"/chat/sessions/{session['_id']}/artifacts/upload"
        exactly = upload(client, account, session["_id"], "max.txt", b"a" * LIMIT)
        assert exactly.status_code == 201, exactly.text
        before = stored_files(small_server)
        # Just over the limit (the form fits the overhead allowance), and far over it.
        for size in (LIMIT + 1, 3 * LIMIT):
            response = upload(client, account, session["_id"], "big.txt", b"a" * size)
            assert response.status_code == 413, (size, response.text)
            assert "limit" in response.json()["detail"]

        # Without a Content-Length the cap holds as the chunks arrive.
        def chunked() -> Iterator[bytes]:
            boundary = b"--chatcore"
            yield boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="b.txt"'
            yield b"\r\nContent-Type: text/plain\r\n\r\n"
            for _ in range(4):
                yield b"a" * (LIMIT // 2)
            yield b"\r\n" + boundary + b"--\r\n"

        streamed = client.post(
            url,
            content=chunked(),
            headers={**account.headers, "Content-Type": "multipart/form-data; boundary=chatcore"},
        )
        assert streamed.status_code == 413
        assert stored_files(small_server) == before
        listed = client.get(f"/chat/sessions/{session['_id']}/artifacts", headers=account.headers)
        assert len(listed.json()) == 1


def test_zip_members_are_held_to_their_declared_size() -> None:
    # A member whose data inflates beyond its header's size is refused as it streams.
    from chatcore.artifacts.formats.archives import Member, member_chunks
    from chatcore.shared.errors import InvalidInput

    data = files.zip_of({"a.txt": b"x" * 10_000})
    with zipfile.ZipFile(io.BytesIO(data)) as archive, pytest.raises(InvalidInput):
        list(member_chunks(archive, Member("a.txt", "a.txt", 10)))
