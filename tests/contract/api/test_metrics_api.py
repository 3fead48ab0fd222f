"""GET /metrics: what operators watch, counted as the server works, guarded when asked."""

import json
import re

import httpx
import pytest
from websockets.sync.client import connect

from tests.contract.api.conftest import PASSWORD, Account, login, unique_name
from tests.contract.api.server import ChatcoreServer
from tests.contract.api.test_rooms_api import joined, receive_until, sibling, ws_url
from tests.processes import free_port


def sample(exposition: str, name: str, **labels: str) -> float:
    """The value of one sample, 0 when absent."""
    for line in exposition.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        head, _, value = line.rpartition(" ")
        found_name, _, found_labels = head.partition("{")
        pairs = dict(re.findall(r'(\w+)="([^"]*)"', found_labels))
        if found_name == name and all(pairs.get(k) == v for k, v in labels.items()):
            return float(value)
    return 0.0


def scrape(server: ChatcoreServer, **headers: str) -> str:
    response = httpx.get(f"{server.url}/metrics", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def test_requests_are_counted_by_route_template_method_and_status(
    server: ChatcoreServer, client: httpx.Client, account: Account
) -> None:
    name = "chatcore_http_request_duration_seconds_count"
    labels = {"route": "/chat/sessions/{session_id}", "method": "GET", "status": "404"}
    before = sample(scrape(server), name, **labels)
    for _ in range(3):
        missing = client.get(f"/chat/sessions/{'a' * 24}", headers=account.headers)
        assert missing.status_code == 404
    after = scrape(server)
    assert sample(after, name, **labels) == before + 3
    assert sample(after, "chatcore_http_request_duration_seconds_bucket", le="+Inf", **labels)
    # A method no route knows is one label, whatever a client makes up.
    assert httpx.request("PROPFIND", f"{server.url}/healthz").status_code == 405
    exposition = scrape(server)
    assert 'method="PROPFIND"' not in exposition
    assert sample(exposition, name, route="/healthz", method="other", status="405") >= 1


def test_login_failures_and_room_traffic_are_counted(
    server: ChatcoreServer, client: httpx.Client, account: Account
) -> None:
    failed = sample(scrape(server), "chatcore_audit_events_total", event="login_failed")
    assert login(client, account.email, PASSWORD + "x").status_code == 401
    assert sample(scrape(server), "chatcore_audit_events_total", event="login_failed") == (
        failed + 1
    )
    room = unique_name("room")
    before = scrape(server)
    with joined(server, room, account) as ws:
        during = scrape(server)
        assert sample(during, "chatcore_websockets_open") == (
            sample(before, "chatcore_websockets_open") + 1
        )
        ws.send(json.dumps({"content": "counted"}))
        receive_until(ws, "message")
        # One join event and one message, each delivered to the one member.
        assert sample(scrape(server), "chatcore_room_deliveries_total") >= (
            sample(before, "chatcore_room_deliveries_total") + 2
        )


def test_refusals_are_counted_and_metrics_are_never_limited(
    server: ChatcoreServer, account: Account
) -> None:
    with sibling(server, CHATCORE_RATE_LIMITS="on", CHATCORE_RATE_LIMIT_READ="2/60") as limited:
        statuses = [
            httpx.get(f"{limited.url}/users/me", headers=account.headers).status_code
            for _ in range(4)
        ]
        assert statuses.count(429) >= 2
        for _ in range(5):
            exposition = scrape(limited)
        assert sample(exposition, "chatcore_rate_limit_refusals_total", limit_class="read") >= 2


def test_a_metrics_token_guards_the_route(server: ChatcoreServer) -> None:
    with sibling(server, CHATCORE_METRICS_TOKEN="s3cret-scrape") as guarded:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-scrape"}):
            refused = httpx.get(f"{guarded.url}/metrics", headers=headers, timeout=10)
            assert refused.status_code == 401
            assert refused.headers["www-authenticate"] == "Bearer"
            assert "detail" in refused.json()
        assert "chatcore_" in scrape(guarded, Authorization="Bearer s3cret-scrape")


def test_metrics_can_be_turned_off(server: ChatcoreServer) -> None:
    with sibling(server, CHATCORE_METRICS="off") as plain:
        assert httpx.get(f"{plain.url}/metrics", timeout=10).status_code == 404
        assert "/metrics" not in httpx.get(f"{plain.url}/openapi.json").json()["paths"]


def test_several_workers_answer_for_the_whole_server(
    server: ChatcoreServer, account: Account, redis_url: str
) -> None:
    with sibling(server, ("--workers", "2"), CHATCORE_BROKER_URL=redis_url) as workers:
        labels = {"route": "/users/me", "method": "GET", "status": "200"}
        name = "chatcore_http_request_duration_seconds_count"
        before = sample(scrape(workers), name, **labels)
        # New connections each time: the kernel hands them to either worker.
        for _ in range(20):
            assert httpx.get(f"{workers.url}/users/me", headers=account.headers).status_code == 200
        for _ in range(4):  # whichever worker answers the scrape, it counts all 20
            assert sample(scrape(workers), name, **labels) == before + 20
        room = unique_name("room")
        with connect(ws_url(workers, room, account.access_token)) as ws:
            receive_until(ws, "system")
            for _ in range(4):
                assert sample(scrape(workers), "chatcore_websockets_open") == 1


@pytest.mark.parametrize("path", ["/metrics"])
def test_the_route_is_documented(server: ChatcoreServer, path: str) -> None:
    document = httpx.get(f"{server.url}/openapi.json").json()
    assert "text/plain" in document["paths"][path]["get"]["responses"]["200"]["content"]


def test_backlogs_are_read_from_the_database(
    server: ChatcoreServer, client: httpx.Client, account: Account
) -> None:
    session = client.post("/chat/sessions", json={}, headers=account.headers).json()
    before = sample(scrape(server), "chatcore_ingestion_jobs", state="pending")
    created = client.post(
        f"/chat/sessions/{session['_id']}/artifacts",
        json={"type": "repository", "source": "https://github.com/acme/widgets"},
        headers=account.headers,
    )
    assert created.status_code == 201  # no worker runs here: it stays pending
    assert sample(scrape(server), "chatcore_ingestion_jobs", state="pending") == before + 1
    # A mail server that is not there: the reset email waits in the outbox.
    nowhere = f"smtp://127.0.0.1:{free_port()}"
    with sibling(server, CHATCORE_SMTP_URL=nowhere) as stranded:
        depth = sample(scrape(stranded), "chatcore_outbox_emails")
        asked = httpx.post(
            f"{stranded.url}/auths/reset-password-request", params={"email": account.email}
        )
        assert asked.status_code == 200
        assert sample(scrape(stranded), "chatcore_outbox_emails") == depth + 1
