"""Reaching every item of a list: `cursor` and `Link: rel="next"`, through a real server."""

import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.contract.api.conftest import Account, unique_name
from tests.contract.api.server import ChatcoreServer
from tests.contract.api.test_rooms_api import joined, receive_until, sibling
from tests.contract.api.test_sessions_api import new_session, send

LINK = re.compile(r'<([^<>]+)>; rel="next"')


def next_link(response: httpx.Response) -> str | None:
    """The URL of the next page, or None on the last one."""
    header = response.headers.get("Link")
    if header is None:
        return None
    found = LINK.fullmatch(header)
    assert found is not None, header
    return found.group(1)


def walk(
    client: httpx.Client,
    url: str,
    headers: dict[str, str],
    meanwhile: Callable[[int], None] = lambda pages_read: None,
) -> Iterator[tuple[httpx.Response, list[Any]]]:
    """Follow the links from the first page, as a client written from the API would."""
    next_url: str | None = url
    pages = 0
    while next_url is not None:
        response = client.get(next_url, headers=headers)
        assert response.status_code == 200, response.text
        yield response, response.json()
        pages += 1
        meanwhile(pages)
        next_url = next_link(response)
        assert pages < 100, "the links do not end"


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_every_session_is_reachable_through_the_links(
    client: httpx.Client, server: ChatcoreServer, account: Account
) -> None:
    # 205: more than the largest page (200) a client could ask for before.
    created = [new_session(client, account, f"chat {n}")["_id"] for n in range(205)]
    arrived: list[str] = []

    def meanwhile(pages_read: int) -> None:
        # A session created during the walk goes to the front: it is not owed to this walk.
        if pages_read < 3:
            arrived.append(new_session(client, account, "late")["_id"])

    pages = list(walk(client, "/chat/sessions?limit=50", account.headers, meanwhile))
    seen = [session["_id"] for _, sessions in pages for session in sessions]
    assert sorted(seen) == sorted(created)  # each exactly once, none of the late ones
    assert seen == created[::-1]  # most recently updated first, across pages
    assert [len(sessions) for _, sessions in pages] == [50, 50, 50, 50, 5]
    first = next_link(pages[0][0])
    assert first is not None and first.startswith(f"{server.url}/chat/sessions?")
    assert query_of(first)["limit"] == ["50"]
    assert next_link(pages[-1][0]) is None


def test_the_default_page_of_sessions_links_to_the_rest(
    client: httpx.Client, account: Account
) -> None:
    created = {new_session(client, account)["_id"] for _ in range(52)}
    first = client.get("/chat/sessions", headers=account.headers)
    assert len(first.json()) == 50
    url = next_link(first)
    assert url is not None and "limit" not in query_of(url)
    rest = client.get(url, headers=account.headers)
    assert {s["_id"] for s in first.json() + rest.json()} == created
    assert next_link(rest) is None


def test_messages_walk_back_through_the_links(client: httpx.Client, account: Account) -> None:
    session_id = new_session(client, account)["_id"]
    sent = [send(client, account, session_id, f"message {n}")["_id"] for n in range(130)]
    url = f"/chat/sessions/{session_id}/messages?limit=40"

    def meanwhile(pages_read: int) -> None:
        send(client, account, session_id, f"sent while reading page {pages_read}")

    pages = [messages for _, messages in walk(client, url, account.headers, meanwhile)]
    assert [len(messages) for messages in pages] == [40, 40, 40, 10]
    # Newest page first, each page oldest first.
    assert [m["_id"] for messages in reversed(pages) for m in messages] == sent


def test_before_keeps_working_and_its_link_pages_on(client: httpx.Client, account: Account) -> None:
    session_id = new_session(client, account)["_id"]
    sent = [send(client, account, session_id, f"message {n}")["_id"] for n in range(100)]
    url = f"/chat/sessions/{session_id}/messages"
    page = client.get(url, params={"before": sent[90], "limit": 30}, headers=account.headers)
    assert [m["_id"] for m in page.json()] == sent[60:90]
    link = next_link(page)
    assert link is not None and query_of(link)["before"] == [sent[90]]
    older = client.get(link, headers=account.headers)
    assert [m["_id"] for m in older.json()] == sent[30:60]


def test_every_artifact_is_reachable_through_the_links(
    client: httpx.Client, account: Account
) -> None:
    session_id = new_session(client, account)["_id"]
    url = f"/chat/sessions/{session_id}/artifacts"
    created = [
        client.post(
            url, json={"type": "text", "name": f"note {n}", "content": "x"}, headers=account.headers
        ).json()["id"]
        for n in range(105)
    ]
    pages = [artifacts for _, artifacts in walk(client, url, account.headers)]
    assert [len(artifacts) for artifacts in pages] == [100, 5]  # 100 by default
    assert [a["id"] for artifacts in pages for a in artifacts] == created  # oldest first
    small = [artifacts for _, artifacts in walk(client, f"{url}?limit=7", account.headers)]
    assert [a["id"] for artifacts in small for a in artifacts] == created
    too_many = client.get(url, params={"limit": 1001}, headers=account.headers)
    assert too_many.status_code == 422


def test_room_history_walks_back_through_the_links(
    server: ChatcoreServer, client: httpx.Client, account: Account
) -> None:
    room = unique_name("room")
    with joined(server, room, account) as ws:

        def post(content: str) -> str:
            ws.send(json.dumps({"content": content}))
            message_id: str = receive_until(ws, "message")["_id"]
            return message_id

        posted = [post(f"message {n}") for n in range(75)]
        url = f"/chat/messages/{room}?limit=20"
        pages = [
            history
            for _, history in walk(
                client, url, account.headers, lambda pages_read: post(f"late {pages_read}")
            )
        ]
    assert [len(history) for history in pages] == [20, 20, 20, 15]
    assert [m["_id"] for history in reversed(pages) for m in history] == posted


def test_cursors_that_are_not_ours_answer_400(
    client: httpx.Client, account: Account, other_account: Account
) -> None:
    session_id = new_session(client, account)["_id"]
    other_session = new_session(client, account)["_id"]
    for n in range(3):
        send(client, account, session_id, f"m{n}")
        send(client, account, other_session, f"m{n}")
        new_session(client, other_account)
    messages_url = f"/chat/sessions/{session_id}/messages"
    link = next_link(client.get(messages_url, params={"limit": 1}, headers=account.headers))
    assert link is not None
    cursor = query_of(link)["cursor"][0]
    other_link = next_link(
        client.get(f"/chat/sessions/{other_session}/messages?limit=1", headers=account.headers)
    )
    sessions_link = next_link(client.get("/chat/sessions?limit=1", headers=account.headers))
    others_sessions = next_link(client.get("/chat/sessions?limit=1", headers=other_account.headers))
    assert other_link is not None and sessions_link is not None and others_sessions is not None
    tampered = cursor[:-3] + ("AAA" if cursor[-3:] != "AAA" else "BBB")
    foreign = {
        "garbage": "not-a-cursor",
        "not base64": "!!!!",
        "empty": "",
        "tampered": tampered,
        "truncated": cursor[:-4],
        "another session's": query_of(other_link)["cursor"][0],
        "a session list's": query_of(sessions_link)["cursor"][0],
        "huge": "A" * 5000,
    }
    for what, value in foreign.items():
        response = client.get(messages_url, params={"cursor": value}, headers=account.headers)
        assert response.status_code == 400, what
        assert response.json() == {"detail": "Invalid cursor"}, what
    # Another user's cursor is not one of ours for this user's list either.
    theirs = client.get(others_sessions, headers=account.headers)
    assert theirs.status_code == 400
    room_link = client.get(
        "/chat/messages/general", params={"cursor": cursor}, headers=account.headers
    )
    assert room_link.status_code == 400
    artifacts = client.get(
        f"/chat/sessions/{session_id}/artifacts", params={"cursor": cursor}, headers=account.headers
    )
    assert artifacts.status_code == 400
    assert client.get(link, headers=account.headers).status_code == 200


APP_ORIGIN = "https://app.example.com"


@pytest.fixture(scope="module")
def behind_a_proxy(server: ChatcoreServer) -> Iterator[ChatcoreServer]:
    env = {"CHATCORE_TRUSTED_PROXIES": "127.0.0.1", "CHATCORE_CORS_ORIGINS": APP_ORIGIN}
    with sibling(server, **env) as own:
        yield own


def test_links_name_the_host_and_scheme_a_trusted_proxy_forwards(
    behind_a_proxy: ChatcoreServer, server: ChatcoreServer, client: httpx.Client, account: Account
) -> None:
    for _ in range(2):
        new_session(client, account)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "chat.example.com"}
    headers = {**account.headers, **forwarded}
    proxied = httpx.get(f"{behind_a_proxy.url}/chat/sessions?limit=1", headers=headers)
    link = next_link(proxied)
    assert link is not None and link.startswith("https://chat.example.com/chat/sessions?limit=1&")
    # The same headers from a peer nobody trusts change nothing.
    direct = next_link(client.get("/chat/sessions?limit=1", headers=headers))
    assert direct is not None and direct.startswith(f"{server.url}/chat/sessions?limit=1&")


def test_scripts_in_an_allowed_origin_may_read_the_link(
    behind_a_proxy: ChatcoreServer, client: httpx.Client, account: Account
) -> None:
    for _ in range(2):
        new_session(client, account)
    headers = {**account.headers, "Origin": APP_ORIGIN}
    response = httpx.get(f"{behind_a_proxy.url}/chat/sessions?limit=1", headers=headers)
    assert "Link" in response.headers
    exposed = response.headers["Access-Control-Expose-Headers"].lower().split(",")
    assert "link" in [name.strip() for name in exposed]
