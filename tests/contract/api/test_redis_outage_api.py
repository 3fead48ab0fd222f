"""When the Redis of the login throttle goes away, logins keep working and /readyz says so."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.contract.api.conftest import PASSWORD, login
from tests.contract.api.server import ChatcoreServer
from tests.redis_server import RedisServer


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    running = RedisServer().start()
    yield running
    running.stop()


@pytest.fixture
def throttled(tmp_path: Path, redis_server: RedisServer) -> Iterator[ChatcoreServer]:
    # Rate limits and login throttling on, counted in the Redis this test will stop.
    running = ChatcoreServer(tmp_path, {"CHATCORE_RATE_LIMIT_URL": redis_server.url}).start()
    yield running
    running.stop()


def test_logins_keep_working_when_redis_stops(
    throttled: ChatcoreServer, redis_server: RedisServer
) -> None:
    created = throttled.cli(
        "create-user", "--email", "outage@example.com", "--username", "outage",
        "--password", PASSWORD, "--verified",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    with httpx.Client(base_url=throttled.url, timeout=30) as http:
        assert login(http, "outage@example.com", "wrong password").status_code == 401
        assert login(http, "outage@example.com").status_code == 200
        ready = http.get("/readyz").json()
        assert ready == {"status": "ok", "checks": {
            "database": "ok", "storage": "ok", "redis": "ok",
        }}  # fmt: skip

        redis_server.stop()

        assert login(http, "outage@example.com", "wrong password").status_code == 401
        signed_in = login(http, "outage@example.com")
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.json()["access_token"]
        readiness = http.get("/readyz")
        # Still in service: a balancer must not take every server out for a throttle.
        assert readiness.status_code == 200
        answer = readiness.json()
        assert answer["status"] == "degraded"
        assert answer["checks"]["redis"].startswith("degraded: ")
        assert answer["checks"]["database"] == "ok"
    log = throttled.log()
    assert "login throttling not enforced: Redis unreachable" in log
