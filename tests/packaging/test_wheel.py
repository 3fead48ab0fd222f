"""The wheel and sdist, built as a release is and installed where no source tree is.

`python -m build` makes the sdist and then the wheel from it (so the sdist is complete
enough to build from); the wheel goes into a fresh virtualenv, first alone, then with its
[server] extra. Everything runs from a temporary directory, without PYTHONPATH: what is
imported is what the wheel installed.
"""

import hashlib
import json
import os
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.processes import free_port, stop

ROOT = Path(__file__).parents[2]
LIST_IMPORTS = Path(__file__).with_name("list_imports.py")
MANIFEST = ROOT / "src" / "entrypoints" / "http" / "swagger_ui" / "MANIFEST.json"

# What each extra brings, and the modules that may not import without it.
EXTRA_MODULES = {
    "pymongo": "adapters.mongo",
    "bson": "adapters.mongo",
    "gridfs": "adapters.mongo",
    "redis": "adapters.redis_",
    "uvicorn": "entrypoints.server",
    "pytest": "chatcore_embed.testing",
}


class Built:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.dist = root / "dist"
        self.venv = root / "venv"
        self.work = root / "work"  # the current directory of everything run: no sources
        self.work.mkdir(parents=True)

    @property
    def wheel(self) -> Path:
        [wheel] = self.dist.glob("chatcore-*.whl")
        return wheel

    @property
    def sdist(self) -> Path:
        [sdist] = self.dist.glob("chatcore-*.tar.gz")
        return sdist

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CHATCORE_"))}
        return {**env, "CHATCORE_DATA_DIR": str(self.work / "var"), **extra}

    def run(self, *command: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(part) for part in command],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=self.work,
            env=self.env(**env),
        )

    def pip_install(self, requirement: str) -> None:
        done = self.run(self.venv / "bin" / "python", "-m", "pip", "install", "-q", requirement)
        assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    built = Built(tmp_path_factory.mktemp("wheel"))
    done = built.run(sys.executable, "-m", "build", "--outdir", built.dist, ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    done = built.run(sys.executable, "-m", "venv", built.venv)
    assert done.returncode == 0, done.stderr
    built.pip_install(str(built.wheel))
    yield built


def metadata(built: Built) -> str:
    with zipfile.ZipFile(built.wheel) as wheel:
        [name] = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
        return wheel.read(name).decode()


def test_the_wheel_holds_the_packages_their_data_and_the_licence(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as wheel:
        names = set(wheel.namelist())
    assert {"chatcore/py.typed", "chatcore_embed/py.typed"} <= names
    vendored = json.loads(MANIFEST.read_text("utf-8"))["sha256"]
    assert {f"entrypoints/http/swagger_ui/{name}" for name in vendored} <= names
    assert "entrypoints/http/swagger_ui/MANIFEST.json" in names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert not any(name.startswith(("tests/", "bench/", "docs/")) for name in names)
    text = metadata(built)
    assert "License-Expression: MIT" in text
    for extra in ("server", "mongo", "redis", "testing"):
        assert f"Provides-Extra: {extra}" in text
    with tarfile.open(built.sdist) as sdist:
        members = {member.name.partition("/")[2] for member in sdist.getmembers()}
    assert {"LICENSE", ".env.example", "README.md", "pyproject.toml"} <= members


def test_the_base_install_imports_everything_but_what_extras_bring(built: Built) -> None:
    done = built.run(built.venv / "bin" / "python", LIST_IMPORTS)
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    for package, file in report["files"].items():
        assert file.startswith(str(built.venv)), (package, file)
    for module, lacking in report["missing"].items():
        assert lacking in EXTRA_MODULES, f"{module} imports {lacking}, not a declared dependency"
        assert module.startswith(EXTRA_MODULES[lacking]), (module, lacking)
    # Without the extras, each of them is missed where it should be, and only there.
    assert set(report["missing"].values()) == {"pymongo", "redis", "uvicorn", "pytest"}


def test_the_base_install_runs_the_offline_example(built: Built) -> None:
    example = ROOT / "docs" / "examples" / "offline.py"
    done = built.run(built.venv / "bin" / "python", example)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "refused: Incorrect email or password\n"


def test_serving_without_the_server_extra_names_it(built: Built) -> None:
    done = built.run(built.venv / "bin" / "chatcore", "--version")
    assert (done.returncode, done.stdout) == (0, "chatcore 0.1.0\n"), done.stderr
    done = built.run(built.venv / "bin" / "chatcore", "serve")
    assert done.returncode == 2
    assert done.stderr.endswith("pip install 'chatcore[server]'\n"), done.stderr


def test_chatcore_serve_from_the_wheel_with_its_server_extra(built: Built) -> None:
    built.pip_install(f"{built.wheel}[server]")
    port = free_port()
    server = subprocess.Popen(
        [str(built.venv / "bin" / "chatcore"), "serve"],
        cwd=built.work,
        env=built.env(CHATCORE_PORT=str(port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.communicate()[1]
            try:
                health = httpx.get(f"{url}/healthz", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "chatcore serve never answered"
                time.sleep(0.2)
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        # /docs is served from the files the wheel installed, byte for byte.
        digests = json.loads(MANIFEST.read_text("utf-8"))["sha256"]
        assert httpx.get(f"{url}/docs", timeout=5).status_code == 200
        for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
            asset = httpx.get(f"{url}/docs/{name}", timeout=10)
            assert asset.status_code == 200, name
            assert hashlib.sha256(asset.content).hexdigest() == digests[name], name
    finally:
        stop(server)
