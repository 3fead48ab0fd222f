"""`chatcore check`: the settings in effect, secrets masked, and what answers."""

import json
from pathlib import Path

from tests.contract.api.server import ChatcoreServer
from tests.processes import free_port


def checked(server: ChatcoreServer, **env: str) -> tuple[int, dict[str, object]]:
    own = ChatcoreServer(Path(server.env["CHATCORE_DATA_DIR"]), {**server.env, **env})
    done = own.cli("check")
    return done.returncode, json.loads(done.stdout)


def test_everything_configured_answers(server: ChatcoreServer, redis_url: str) -> None:
    status, report = checked(server, CHATCORE_BROKER_URL=redis_url)
    assert report["checks"] == {
        "database": "ok", "storage": "ok", "smtp": "ok", "redis": "ok",
    }  # fmt: skip
    assert status == 0
    settings = report["settings"]
    assert isinstance(settings, dict) and settings["broker_url"] == redis_url


def test_what_does_not_answer_is_named_and_secrets_never_shown(server: ChatcoreServer) -> None:
    smtp_port = free_port()
    status, report = checked(
        server,
        CHATCORE_SMTP_URL=f"smtp://mailer:hunter2-secret@127.0.0.1:{smtp_port}",
        CHATCORE_BROKER_URL=f"redis://:redis-secret@127.0.0.1:{free_port()}/0",
        CHATCORE_SECRET_KEY="k" * 40,
        CHATCORE_METRICS_TOKEN="scrape-secret",
    )
    assert status == 1
    checks = report["checks"]
    assert isinstance(checks, dict)
    assert str(checks["smtp"]).startswith("down: ") and str(checks["redis"]).startswith("down: ")
    assert checks["database"] == "ok"
    shown = json.dumps(report)
    for secret in ("hunter2-secret", "redis-secret", "k" * 40, "scrape-secret"):
        assert secret not in shown
    settings = report["settings"]
    assert isinstance(settings, dict)
    assert (
        settings["smtp_url"]
        == f"smtp://mailer:***@127.0.0.1:{settings['smtp_url'].rsplit(':', 1)[1]}"
    )
    assert settings["secret_key"] == "***" and settings["metrics_token"] == "***"


def test_without_smtp_or_redis_they_are_not_configured(server: ChatcoreServer) -> None:
    env = {name: value for name, value in server.env.items() if name != "CHATCORE_SMTP_URL"}
    own = ChatcoreServer(Path(server.env["CHATCORE_DATA_DIR"]), env)
    own.env.pop("CHATCORE_SMTP_URL", None)
    done = own.cli("check")
    report = json.loads(done.stdout)
    assert done.returncode == 0
    assert report["checks"]["smtp"].startswith("not configured")
    assert report["checks"]["redis"].startswith("not configured")
