"""constraints/dev.txt pins every requirement of the dev install, within pyproject's bounds."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parents[2]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s#]+)")


def pins() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in (ROOT / "constraints" / "dev.txt").read_text("utf-8").splitlines():
        match = PIN.match(line)
        if match is not None:
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    listed = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        listed.extend(extra)
    return [Requirement(text) for text in listed if not text.startswith("chatcore[")]


def test_every_requirement_is_pinned_within_its_bounds() -> None:
    pinned = pins()
    for requirement in requirements():
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} is not pinned: run `make lock`"
        assert requirement.specifier.contains(pinned[name]), (str(requirement), pinned[name])
    # The lint and test tools, above all: a new release must not change CI by itself.
    assert {"ruff", "mypy", "pytest", "hypothesis", "build"} <= pinned.keys()


def test_the_lock_pins_no_path_of_this_machine() -> None:
    text = (ROOT / "constraints" / "dev.txt").read_text("utf-8")
    assert "file://" not in text and "/work/" not in text
    assert "chatcore" not in pins()


def test_make_installs_the_dev_tools_through_the_constraints() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert "pip install --quiet -c $(CONSTRAINTS) -e '.[dev]'" in makefile
    assert "CONSTRAINTS := constraints/dev.txt" in makefile
