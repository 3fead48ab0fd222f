"""Another distribution's `adapters` or `entrypoints` first on the path: a clear refusal."""

import os
import subprocess
import sys
from pathlib import Path

from chatcore_embed import check_packages

CHATCORE = Path(sys.executable).with_name("chatcore")


def run(command: list[str], shadows: Path) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH comes before site-packages: what is there is found first, as when pip
    # put a namesake earlier on the path (a user site, a system package, a vendored dir).
    env = {**os.environ, "PYTHONPATH": str(shadows), "CHATCORE_DATA_DIR": str(shadows / "var")}
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, cwd=shadows, env=env
    )


def test_chatcores_own_packages_pass() -> None:
    check_packages()


def test_the_cli_refuses_a_foreign_entrypoints_module(tmp_path: Path) -> None:
    # PyPI's `entrypoints` is a single module.
    (tmp_path / "entrypoints.py").write_text('"""Discover and load entry points."""\n')
    done = run([str(CHATCORE), "--version"], tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith(
        f"chatcore: the 'entrypoints' package Python finds ({tmp_path / 'entrypoints.py'})"
        " is not chatcore's"
    ), done.stderr
    assert "Traceback" not in done.stderr


def test_build_refuses_a_foreign_adapters_package(tmp_path: Path) -> None:
    (tmp_path / "adapters").mkdir()
    (tmp_path / "adapters" / "__init__.py").write_text('raise SystemExit("foreign code ran")\n')
    code = "import chatcore_embed\nchatcore_embed.build(database_url='memory://')"
    done = run([sys.executable, "-c", code], tmp_path)
    assert done.returncode == 1
    assert "foreign code ran" not in done.stderr  # refused before importing it
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("chatcore_embed.packages.PackageClash: the 'adapters' package")
    assert "AdapterHub" in last and "virtual environment of its own" in last
