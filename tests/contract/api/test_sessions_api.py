"""The Chat Sessions and Messages (1–3) sections of the API, through a real server."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.contract.api.conftest import Account

SESSION_FIELDS = {
    "_id", "user_id", "title", "message_count", "last_message_at", "created_at", "updated_at",
}  # fmt: skip
MESSAGE_FIELDS = {
    "_id", "session_id", "user_id", "content", "role", "created_at", "updated_at",
    "deleted", "deleted_at",
}  # fmt: skip
MISSING_ID = "0" * 24


def new_session(client: httpx.Client, account: Account, title: str = "My Chat Session") -> Any:
    response = client.post("/chat/sessions", json={"title": title}, headers=account.headers)
    assert response.status_code == 201, response.text
    return response.json()


def send(client: httpx.Client, account: Account, session_id: str, content: str) -> Any:
    response = client.post(
        f"/chat/sessions/{session_id}/messages", json={"content": content}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_create_session_has_the_specs_shape(client: httpx.Client, account: Account) -> None:
    session = new_session(client, account)
    assert set(session) == SESSION_FIELDS
    assert session["user_id"] == account.id
    assert (session["title"], session["message_count"], session["last_message_at"]) == (
        "My Chat Session", 0, None,
    )  # fmt: skip


def test_title_defaults_and_rules(client: httpx.Client, account: Account) -> None:
    untitled = client.post("/chat/sessions", headers=account.headers)
    assert untitled.status_code == 201 and untitled.json()["title"] == "New Chat"
    too_long = client.post("/chat/sessions", json={"title": "x" * 201}, headers=account.headers)
    assert too_long.status_code == 400
    blank = client.post("/chat/sessions", json={"title": "   "}, headers=account.headers)
    assert blank.status_code == 400
    wrong_type = client.post("/chat/sessions", json={"title": 5}, headers=account.headers)
    assert wrong_type.status_code == 422


def test_sessions_need_a_token(client: httpx.Client) -> None:
    assert client.post("/chat/sessions", json={}).status_code == 401
    assert client.get("/chat/sessions").status_code == 401


def test_list_is_most_recently_updated_first(client: httpx.Client, account: Account) -> None:
    first = new_session(client, account, "first")
    second = new_session(client, account, "second")
    send(client, account, first["_id"], "bump")
    listed = client.get("/chat/sessions", headers=account.headers).json()
    assert [s["_id"] for s in listed] == [first["_id"], second["_id"]]
    assert listed[0]["message_count"] == 1
    limited = client.get("/chat/sessions", params={"limit": 1}, headers=account.headers).json()
    assert [s["_id"] for s in limited] == [first["_id"]]


def test_out_of_range_limits_are_422(client: httpx.Client, account: Account) -> None:
    session = new_session(client, account)
    for path, limit in [
        ("/chat/sessions", 0),
        ("/chat/sessions", 201),
        (f"/chat/sessions/{session['_id']}/messages", 0),
        (f"/chat/sessions/{session['_id']}/messages", 1001),
        (f"/chat/sessions/{session['_id']}/messages", "many"),
    ]:
        response = client.get(path, params={"limit": limit}, headers=account.headers)
        assert response.status_code == 422, (path, limit)
        assert response.json()["errors"][0]["loc"] == ["query", "limit"]


def test_get_rename_and_delete(client: httpx.Client, account: Account) -> None:
    session = new_session(client, account)
    path = f"/chat/sessions/{session['_id']}"
    assert client.get(path, headers=account.headers).json() == session
    renamed = client.put(path, json={"title": "Updated Session Title"}, headers=account.headers)
    assert renamed.status_code == 200 and renamed.json()["title"] == "Updated Session Title"
    deleted = client.delete(path, headers=account.headers)
    assert deleted.json() == {"message": "Session deleted successfully", "artifacts_disabled": 0}
    assert client.get(path, headers=account.headers).status_code == 404
    assert client.delete(path, headers=account.headers).status_code == 404
    listed = client.get("/chat/sessions", headers=account.headers).json()
    assert session["_id"] not in [s["_id"] for s in listed]


def test_update_with_no_fields_is_400(client: httpx.Client, account: Account) -> None:
    session = new_session(client, account)
    response = client.put(f"/chat/sessions/{session['_id']}", json={}, headers=account.headers)
    assert response.status_code == 400
    assert response.json() == {"detail": "No fields to update"}


def test_malformed_ids_are_400(client: httpx.Client, account: Account) -> None:
    assert client.get("/chat/sessions/nope", headers=account.headers).json() == {
        "detail": "Invalid session ID"
    }
    session = new_session(client, account)
    bad_message = client.delete(
        f"/chat/sessions/{session['_id']}/messages/xyz", headers=account.headers
    )
    assert bad_message.status_code == 400
    assert bad_message.json() == {"detail": "Invalid message ID"}
    for method in ("GET", "PUT", "DELETE"):
        response = client.request(
            method, "/chat/sessions/123", json={"title": "x"}, headers=account.headers
        )
        assert response.status_code == 400, method


def test_another_users_session_is_404_on_every_path(
    client: httpx.Client, account: Account, other_account: Account
) -> None:
    session = new_session(client, account)
    message = send(client, account, session["_id"], "private")
    base = f"/chat/sessions/{session['_id']}"
    stranger = other_account.headers
    for method, path, body in [
        ("GET", base, None),
        ("PUT", base, {"title": "mine now"}),
        ("DELETE", base, None),
        ("GET", f"{base}/messages", None),
        ("POST", f"{base}/messages", {"content": "hi"}),
        ("DELETE", f"{base}/messages/{message['_id']}", None),
    ]:
        response = client.request(method, path, json=body, headers=stranger)
        assert response.status_code == 404, (method, path)
        assert response.json() == {"detail": "Session not found"}
    assert client.get(f"/chat/sessions/{MISSING_ID}", headers=stranger).status_code == 404


def test_send_list_and_delete_messages(client: httpx.Client, account: Account) -> None:
    session = new_session(client, account)
    sent = [send(client, account, session["_id"], f"message {i}") for i in range(5)]
    assert set(sent[0]) == MESSAGE_FIELDS
    assert (sent[0]["role"], sent[0]["deleted"], sent[0]["deleted_at"]) == ("user", False, None)
    assert sent[0]["session_id"] == session["_id"] and sent[0]["user_id"] == account.id

    path = f"/chat/sessions/{session['_id']}/messages"
    listed = client.get(path, headers=account.headers).json()
    assert [m["_id"] for m in listed] == [m["_id"] for m in sent]
    latest_two = client.get(path, params={"limit": 2}, headers=account.headers).json()
    assert [m["content"] for m in latest_two] == ["message 3", "message 4"]
    page = client.get(
        path, params={"limit": 2, "before": sent[3]["_id"]}, headers=account.headers
    ).json()
    assert [m["content"] for m in page] == ["message 1", "message 2"]

    deleted = client.delete(f"{path}/{sent[4]['_id']}", headers=account.headers)
    assert deleted.json() == {"message": "Message deleted successfully"}
    assert client.delete(f"{path}/{sent[4]['_id']}", headers=account.headers).status_code == 404
    assert client.delete(f"{path}/{MISSING_ID}", headers=account.headers).status_code == 404
    remaining = client.get(path, headers=account.headers).json()
    assert [m["_id"] for m in remaining] == [m["_id"] for m in sent[:4]]
    current = client.get(f"/chat/sessions/{session['_id']}", headers=account.headers).json()
    assert current["message_count"] == 4
    assert current["last_message_at"] == sent[3]["created_at"]


def test_message_content_rules(client: httpx.Client, account: Account) -> None:
    session = new_session(client, account)
    path = f"/chat/sessions/{session['_id']}/messages"
    for content, status in [("", 400), ("   ", 400), ("x" * 32_001, 400), (None, 422)]:
        response = client.post(path, json={"content": content}, headers=account.headers)
        assert response.status_code == status, content
    assert client.post(path, json={}, headers=account.headers).status_code == 422


def test_messages_of_a_deleted_session_are_gone(client: httpx.Client, account: Account) -> None:
    session = new_session(client, account)
    send(client, account, session["_id"], "hello")
    client.delete(f"/chat/sessions/{session['_id']}", headers=account.headers)
    path = f"/chat/sessions/{session['_id']}/messages"
    assert client.get(path, headers=account.headers).status_code == 404
    assert client.post(path, json={"content": "x"}, headers=account.headers).status_code == 404


def test_fifty_concurrent_sends_count_fifty(client: httpx.Client, account: Account) -> None:
    session = new_session(client, account)
    path = f"/chat/sessions/{session['_id']}/messages"

    def post(i: int) -> int:
        with httpx.Client(base_url=str(client.base_url), timeout=30) as own:
            response = own.post(path, json={"content": f"m{i}"}, headers=account.headers)
            return response.status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(post, range(50)))
    assert statuses == [201] * 50
    current = client.get(f"/chat/sessions/{session['_id']}", headers=account.headers).json()
    assert current["message_count"] == 50
    listed = client.get(path, headers=account.headers).json()
    assert len(listed) == 50
