"""One composition root: every port from one table, and the server a host gets from build()."""

import ast
import logging
import warnings
from pathlib import Path
from typing import get_type_hints

import attrs
import httpx
import pytest
from mongomock import MongoClient

import chatcore
import chatcore.ports
from adapters.argon2_hasher import Argon2Hasher
from adapters.memory import MemoryDatabase, MemoryOutbox
from adapters.memory.audit import MemoryAuditLog
from adapters.mongo import MongoDatabase
from adapters.sqlite import SqliteDatabase
from chatcore.ports import Ports
from chatcore.shared.audit import AuditKind, AuditQuery
from chatcore_embed import Settings, build, create_app
from entrypoints import bootstrap
from entrypoints.http import ports as edge_ports
from entrypoints.http.metrics import CountedAuditLog
from entrypoints.server import server_app
from tests.embedding.serving import serving

CHEAP = Argon2Hasher(time_cost=1, memory_cost=64)
SRC = Path(__file__).parents[2] / "src"


def test_port_overrides_name_exactly_the_fields_of_ports() -> None:
    fields = {field.name for field in attrs.fields(Ports)}
    assert set(get_type_hints(bootstrap.PortOverrides)) == fields


@pytest.fixture(params=["memory", "sqlite", "mongomock"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> bootstrap.Database:
    if request.param == "memory":
        return MemoryDatabase()
    if request.param == "sqlite":
        return SqliteDatabase(str(tmp_path / "db.sqlite3"))
    return MongoDatabase(MongoClient(), "chatcore")


def test_every_database_serves_each_port_the_factories_do_not_by_its_name(
    database: bootstrap.Database,
) -> None:
    # The one place a new repository port is wired: a field of Ports, and the attribute of
    # that name on each database adapter.
    stored = {field.name for field in attrs.fields(Ports)} - bootstrap.FACTORIES.keys()
    assert stored >= {"users", "sessions", "messages", "audit", "unit_of_work"}
    for name in stored:
        assert getattr(database, name) is not None, name
    database.close()


def test_an_overridden_port_is_never_built(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="memory://", storage_url="file:///nope")
    objects = MemoryDatabase().object_store()
    with build(settings, tokens=object(), objects=objects, hasher=CHEAP) as runtime:  # type: ignore[arg-type]
        assert runtime.objects is objects
    # No key file, no storage folder: the defaults were not made and thrown away.
    assert list(tmp_path.iterdir()) == []
    assert not Path("/nope").exists()


def test_a_hosts_audit_log_is_still_logged_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    kept = MemoryAuditLog()
    with build(database_url="memory://", audit=kept, hasher=CHEAP) as runtime:
        with caplog.at_level(logging.INFO), pytest.raises(chatcore.Unauthenticated):
            runtime.core.auth.login("nobody@example.com", "a long password")
        [event] = kept.query(AuditQuery())
        assert event.kind is AuditKind.LOGIN_FAILED
        assert runtime.core.audit_trail.events(AuditQuery()) == [event]
        assert runtime.metrics is not None
        assert b'chatcore_audit_events_total{event="login_failed"} 1.0' in (
            runtime.metrics.exposition()
        )
    assert any("login_failed" in record.getMessage() for record in caplog.records)


def test_the_audit_log_is_counted_from_the_start_for_every_use_case() -> None:
    # Decided in the composition root: nothing swaps a port after the use cases took it.
    with build(database_url="memory://", hasher=CHEAP) as runtime:
        audit = runtime.core.ports.audit
        assert isinstance(audit, CountedAuditLog)
        assert runtime.mail is not None and runtime.mail.delivery.audit is audit
    with build(Settings(database_url="memory://", metrics=False), hasher=CHEAP) as runtime:
        assert not isinstance(runtime.core.ports.audit, CountedAuditLog)
        assert runtime.metrics is None


def test_a_host_gets_the_server_chatcore_serve_runs(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        database_url="memory://",
        max_json_bytes=200,
        metrics_token="a token for the scraper",
    )
    outbox = MemoryOutbox()
    served = server_app(settings)
    hosted = create_app(build(settings, mailer=outbox, hasher=CHEAP))
    for app in (served, hosted):
        assert app.state.rate_limits is not None
        assert app.state.request_sizes.max_json_bytes == 200
        assert app.state.metrics is not None
        assert app.state.metrics_token == "a token for the scraper"
        assert set(app.state.readiness) == {"database", "storage"}
    with serving(hosted) as address, httpx.Client(base_url=f"http://{address}") as client:
        # Request sizes, metrics behind their token, readiness: as `chatcore serve` has them.
        assert client.post("/users/", content=b"{" + b" " * 300 + b"}").status_code == 413
        assert client.get("/metrics").status_code == 401
        scrape = client.get("/metrics", headers={"Authorization": "Bearer a token for the scraper"})
        assert scrape.status_code == 200
        assert "chatcore_ingestion_jobs" in scrape.text
        assert "chatcore_outbox_emails" not in scrape.text  # the host's mailer: no outbox
        assert client.get("/readyz").json()["status"] == "ok"
        # Rate limits: 10 registrations an hour from one address (the refused one above
        # included), then 429.
        statuses = [
            client.post(
                "/users/",
                json={
                    "username": f"user{n}",
                    "email": f"u{n}@example.com",
                    "password": "SecurePass123!",
                },
            ).status_code
            for n in range(10)
        ]
        assert statuses == [200] * 9 + [429], statuses


def test_the_room_broker_is_the_edges() -> None:
    assert "room_broker" not in {field.name for field in attrs.fields(Ports)}
    with build(database_url="memory://", hasher=CHEAP) as runtime:
        assert runtime.sign_outs is not None and runtime.sign_outs.broker is runtime.room_broker


@pytest.mark.parametrize("module", [chatcore, chatcore.ports])
def test_the_room_broker_is_still_importable_from_the_domain_with_a_warning(
    module: object,
) -> None:
    with pytest.warns(DeprecationWarning, match="entrypoints.http.ports"):
        broker = module.RoomBroker  # type: ignore[attr-defined]
    assert broker is edge_ports.RoomBroker
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AttributeError):
            module.NoSuchPort  # type: ignore[attr-defined]  # noqa: B018


@pytest.mark.parametrize(
    "path",
    [
        "entrypoints/cli.py",
        "entrypoints/backup.py",
        "entrypoints/server.py",
        "entrypoints/check.py",
        "entrypoints/http/app.py",
    ],
)
def test_the_cli_and_the_app_factory_reach_no_port_past_the_use_cases(path: str) -> None:
    tree = ast.parse((SRC / path).read_text("utf-8"))
    reached = [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "ports"
    ]
    # The one exception: create_app(core) for a core built before the broker was the
    # edge's finds the broker through the core's sign-out notices.
    assert reached in ([], ["core.ports.sign_outs"]), reached
