"""GET /chat/search through a real server: what is found, how it is shaped, what never is."""

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import documents
from tests.contract.api.conftest import Account
from tests.contract.api.server import ChatcoreServer
from tests.contract.api.test_artifacts_api import upload
from tests.contract.api.test_sessions_api import new_session, send
from tests.files import zip_of

RESULT_FIELDS = {
    "kind", "session_id", "message_id", "artifact_id", "path", "snippet", "highlights",
    "score", "created_at",
}  # fmt: skip


def search(client: httpx.Client, account: Account, **params: Any) -> httpx.Response:
    return client.get("/chat/search", params=params, headers=account.headers)


def found(client: httpx.Client, account: Account, q: str, **params: Any) -> list[Any]:
    response = search(client, account, q=q, **params)
    assert response.status_code == 200, response.text
    results: list[Any] = response.json()["results"]
    return results


def test_a_message_is_found_with_its_snippet_and_highlights(
    client: httpx.Client, account: Account
) -> None:
    session = new_session(client, account)
    message = send(client, account, session["_id"], "The Café on Elm street serves crème brûlée")
    send(client, account, session["_id"], "Nothing to see here")
    response = search(client, account, q="cafe CREME")
    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    [result] = body["results"]
    assert set(result) == RESULT_FIELDS
    assert result["kind"] == "message"
    assert (result["session_id"], result["message_id"]) == (session["_id"], message["_id"])
    assert (result["artifact_id"], result["path"]) == (None, None)
    assert result["snippet"] == "The Café on Elm street serves crème brûlée"
    assert [result["snippet"][s:e] for s, e in result["highlights"]] == ["Café", "crème"]
    assert result["score"] > 0
    assert result["created_at"] == message["created_at"]


def test_phrases_and_prefixes(client: httpx.Client, account: Account) -> None:
    session = new_session(client, account)
    ordered = send(client, account, session["_id"], "restart the build server tonight")
    send(client, account, session["_id"], "the server will build")
    ids = [r["message_id"] for r in found(client, account, '"build server"')]
    assert ids == [ordered["_id"]]
    assert [r["message_id"] for r in found(client, account, "tonig*")] == [ordered["_id"]]


def test_text_artifacts_and_the_text_files_of_zips_are_found(
    client: httpx.Client, account: Account
) -> None:
    session = new_session(client, account)
    created = client.post(
        f"/chat/sessions/{session['_id']}/artifacts",
        json={"type": "text", "name": "Notes", "content": "Quarterly zebrafish report"},
        headers=account.headers,
    )
    assert created.status_code == 201, created.text
    archive = zip_of(
        {
            "docs/zebrafish.md": "# Zebrafish care\nFeed twice a day.",
            "bin/blob.dat": b"zebrafish\x00\x01\x02",
        }
    )
    zipped = upload(client, account, session["_id"], "bundle.zip", archive)
    assert zipped.status_code == 201, zipped.text
    results = found(client, account, "zebrafish")
    assert {(r["kind"], r["artifact_id"], r["path"]) for r in results} == {
        ("artifact", created.json()["id"], None),
        ("artifact", zipped.json()["id"], "docs/zebrafish.md"),
    }
    assert all(r["message_id"] is None for r in results)


def test_a_documents_text_is_found_once_extracted(client: httpx.Client, account: Account) -> None:
    session = new_session(client, account)
    report = upload(
        client, account, session["_id"], "report.docx",
        documents.docx_document(["Intro", "The narwhal census is complete."]),
    )  # fmt: skip
    assert report.status_code == 201, report.text
    deadline = time.monotonic() + 90
    while not found(client, account, "narwhal census") and time.monotonic() < deadline:
        time.sleep(0.2)
    [result] = found(client, account, "narwhal census")
    assert (result["kind"], result["artifact_id"], result["path"]) == (
        "artifact", report.json()["id"], None,
    )  # fmt: skip
    assert [result["snippet"][s:e] for s, e in result["highlights"]] == ["narwhal", "census"]


def test_deleted_messages_sessions_and_artifacts_vanish_at_once(
    client: httpx.Client, account: Account
) -> None:
    kept, doomed = new_session(client, account), new_session(client, account)
    survivor = send(client, account, kept["_id"], "ephemeral thought one")
    gone = send(client, account, kept["_id"], "ephemeral thought two")
    send(client, account, doomed["_id"], "ephemeral thought three")
    note = client.post(
        f"/chat/sessions/{doomed['_id']}/artifacts",
        json={"type": "text", "content": "ephemeral thought four"},
        headers=account.headers,
    )
    assert len(found(client, account, "ephemeral thought")) == 4
    url = f"/chat/sessions/{kept['_id']}/messages/{gone['_id']}"
    assert client.delete(url, headers=account.headers).status_code == 200
    assert client.delete(f"/chat/sessions/{doomed['_id']}", headers=account.headers).json() == {
        "message": "Session deleted successfully",
        "artifacts_disabled": 1,
    }
    results = found(client, account, "ephemeral thought")
    assert [r["message_id"] for r in results] == [survivor["_id"]]
    assert note.status_code == 201


def test_another_users_items_never_appear(
    client: httpx.Client, account: Account, other_account: Account
) -> None:
    mine = send(client, account, new_session(client, account)["_id"], "shared secret word")
    send(client, other_account, new_session(client, other_account)["_id"], "shared secret word")
    assert [r["message_id"] for r in found(client, account, "secret")] == [mine["_id"]]


def test_session_id_narrows_the_search(client: httpx.Client, account: Account) -> None:
    first, second = new_session(client, account), new_session(client, account)
    here = send(client, account, first["_id"], "narrowing works")
    send(client, account, second["_id"], "narrowing works")
    results = found(client, account, "narrowing", session_id=first["_id"])
    assert [r["message_id"] for r in results] == [here["_id"]]
    assert search(client, account, q="x", session_id="nope").status_code == 400


@pytest.mark.parametrize("q", ["", "   "])
def test_a_blank_query_answers_400(client: httpx.Client, account: Account, q: str) -> None:
    response = search(client, account, q=q)
    assert response.status_code == 400
    assert "q" in response.json()["detail"]


def test_a_missing_query_answers_400(client: httpx.Client, account: Account) -> None:
    assert search(client, account).status_code == 400


def test_a_query_over_200_characters_answers_422(client: httpx.Client, account: Account) -> None:
    response = search(client, account, q="a" * 201)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "q"]
    assert search(client, account, q="a" * 200).status_code == 200


@pytest.mark.parametrize("limit", ["0", "101", "many"])
def test_a_limit_out_of_range_answers_422(
    client: httpx.Client, account: Account, limit: str
) -> None:
    assert search(client, account, q="x", limit=limit).status_code == 422


def test_pages_follow_next_cursor_to_every_result(client: httpx.Client, account: Account) -> None:
    session = new_session(client, account)
    sent = {send(client, account, session["_id"], f"pagination item {n}")["_id"] for n in range(7)}
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"q": "pagination", "limit": 3, **({} if cursor is None else {"cursor": cursor})}
        body = search(client, account, **params).json()
        seen.extend(r["message_id"] for r in body["results"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(sent)
    assert search(client, account, q="pagination", cursor="not-a-cursor").status_code == 400


def test_search_needs_a_token(client: httpx.Client) -> None:
    response = client.get("/chat/search", params={"q": "x"})
    assert response.status_code == 401


def test_old_data_is_indexed_at_start_up(tmp_path: Path) -> None:
    # Messages written while search was off are found once a server with it on has started:
    # the first indexing runs in the background and logs its progress.
    env = {"CHATCORE_RATE_LIMITS": "off", "CHATCORE_SEARCH": "off"}
    server = ChatcoreServer(tmp_path, env)
    server.start()
    try:
        made = server.cli(
            "create-user", "--email", "old@example.com", "--username", "olduser",
            "--password", "old password 1", "--verified",
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        with httpx.Client(base_url=server.url, timeout=30) as http:
            login = {"username": "old@example.com", "password": "old password 1"}
            token = http.post("/auths/login", data=login).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            session = http.post("/chat/sessions", json={}, headers=headers).json()["_id"]
            for n in range(3):
                sent = http.post(f"/chat/sessions/{session}/messages",
                                 json={"content": f"archaeology {n}"}, headers=headers)  # fmt: skip
                assert sent.status_code == 201
            assert http.get("/chat/search", params={"q": "x"}, headers=headers).status_code == 404
    finally:
        server.stop()
    server = ChatcoreServer(tmp_path, {"CHATCORE_RATE_LIMITS": "off"})
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            token = http.post("/auths/login", data=login).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            deadline = time.monotonic() + 30
            while True:
                body = http.get("/chat/search", params={"q": "archaeology"}, headers=headers)
                if len(body.json()["results"]) == 3 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert len(body.json()["results"]) == 3
        messages = [entry.get("message", "") for entry in server.log_entries()]
        assert any("search index: old messages done" in line for line in messages)
    finally:
        server.stop()
