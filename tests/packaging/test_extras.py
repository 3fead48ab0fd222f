"""A feature whose extra is not installed fails naming the extra, not with an ImportError."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from entrypoints.bootstrap import open_broker, open_database, open_rate_limiter
from entrypoints.extras import MissingExtra, require_extra
from entrypoints.settings import Settings


def absent(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    """Make `import module` fail as it does when the distribution is not installed."""
    for module in modules:
        monkeypatch.setitem(sys.modules, module, None)


def test_a_missing_module_names_its_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    absent(monkeypatch, "pymongo")
    with pytest.raises(MissingExtra) as raised:
        require_extra("pymongo", "mongo", "CHATCORE_DATABASE_URL=mongodb://…")
    assert str(raised.value) == (
        "CHATCORE_DATABASE_URL=mongodb://… needs pymongo, which comes with chatcore's [mongo]"
        " extra: pip install 'chatcore[mongo]'"
    )
    assert isinstance(raised.value, ImportError)


def test_an_installed_module_is_simply_imported() -> None:
    require_extra("json", "none", "anything")


def test_a_broken_module_is_not_mistaken_for_a_missing_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "chatcore_half_installed.py").write_text("import chatcore_no_such_module\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError) as raised:
        require_extra("chatcore_half_installed", "mongo", "it")
    assert not isinstance(raised.value, MissingExtra)
    assert raised.value.name == "chatcore_no_such_module"


def test_a_mongodb_url_without_pymongo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    absent(monkeypatch, "pymongo", "adapters.mongo")
    with pytest.raises(MissingExtra, match=r"pip install 'chatcore\[mongo\]'"):
        open_database("mongodb://127.0.0.1:9/chatcore", tmp_path)


def test_redis_urls_without_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    absent(monkeypatch, "redis", "redis.asyncio", "adapters.redis_broker")
    with pytest.raises(MissingExtra, match=r"pip install 'chatcore\[redis\]'"):
        open_broker("redis://127.0.0.1:9")
    settings = Settings(rate_limit_url="redis://127.0.0.1:9")
    with pytest.raises(MissingExtra, match=r"pip install 'chatcore\[redis\]'"):
        open_rate_limiter(settings)


def run_without(modules: list[str], code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter in which `modules` cannot be imported."""
    script = f"import sys\nfor name in {modules!r}:\n    sys.modules[name] = None\n"
    return subprocess.run(
        [sys.executable, "-c", script + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "CHATCORE_DATA_DIR": str(cwd / "var")},
    )


def test_chatcore_serve_without_uvicorn(tmp_path: Path) -> None:
    done = run_without(
        ["uvicorn"],
        """
        from chatcore_embed.cli import main
        sys.exit(main(["serve"]))
        """,
        tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        "chatcore: chatcore serve needs uvicorn, which comes with chatcore's [server] extra:"
        " pip install 'chatcore[server]'\n"
    )


def test_a_cli_command_on_mongodb_without_pymongo(tmp_path: Path) -> None:
    done = run_without(
        ["pymongo"],
        """
        import os
        os.environ["CHATCORE_DATABASE_URL"] = "mongodb://127.0.0.1:9/chatcore"
        from chatcore_embed.cli import main
        sys.exit(main(["audit"]))
        """,
        tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert "pip install 'chatcore[mongo]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_contract_suites_without_pytest(tmp_path: Path) -> None:
    done = run_without(["pytest", "_pytest"], "import chatcore_embed.testing", tmp_path)
    assert done.returncode == 1
    assert "MissingExtra" in done.stderr
    assert "pip install 'chatcore[testing]'" in done.stderr


def test_the_http_app_mounts_without_uvicorn(tmp_path: Path) -> None:
    done = run_without(
        ["uvicorn"],
        """
        from starlette.testclient import TestClient
        from chatcore_embed import build, create_app
        with build(database_url="memory://") as runtime:
            with TestClient(create_app(runtime.core)) as client:
                print(client.get("/healthz").status_code)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "200\n"
