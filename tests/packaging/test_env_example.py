""".env.example lists every variable the settings read, each with its default and meaning."""

import re
from pathlib import Path
from typing import Any

import pytest

from entrypoints.settings import Settings

EXAMPLE = Path(__file__).parents[2] / ".env.example"
# `# CHATCORE_NAME=default`: commented out, so that a copy changes nothing until edited.
VARIABLE = re.compile(r"^# (CHATCORE_[A-Z0-9_]+)=(.*)$")


def documented() -> dict[str, str]:
    """Each variable of .env.example and its default, checking each has a meaning above it."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    variables: dict[str, str] = {}
    for number, line in enumerate(lines):
        match = VARIABLE.match(line)
        if match is None:
            continue
        name, default = match.groups()
        assert name not in variables, f"{name} is listed twice"
        # Its meaning is the comment above it (or above the variables listed with it).
        above = number - 1
        while above >= 0 and VARIABLE.match(lines[above]):
            above -= 1
        assert above >= 0 and lines[above].startswith("# "), f"{name}: what does it mean?"
        variables[name] = default
    return variables


class Recording(dict[str, str]):
    """An empty environment, noting every name looked up in it."""

    def __init__(self) -> None:
        super().__init__()
        self.looked_up: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.looked_up.add(key)
        return super().get(key, default)


def read_by_settings() -> set[str]:
    """The CHATCORE_* names Settings.from_env looks up, found by running it.

    The environment it reads records the lookups, so no list of names is kept by hand.
    """
    environ = Recording()
    Settings.from_env(environ, dotenv=None)
    return {name for name in environ.looked_up if name.startswith("CHATCORE_")}


def test_every_variable_the_settings_read_is_listed_and_no_other() -> None:
    read = read_by_settings()
    assert "CHATCORE_DATABASE_URL" in read and "CHATCORE_RATE_LIMIT_LOGIN" in read
    listed = set(documented())
    assert read - listed == set(), "read by the settings, missing from .env.example"
    assert listed - read == set(), "in .env.example, never read by the settings"


@pytest.mark.parametrize("name", sorted(documented()))
def test_each_listed_default_is_the_settings_default(name: str) -> None:
    default = documented()[name]
    # Setting a variable to its documented default changes nothing; empty means unset.
    assert Settings.from_env({name: default}, dotenv=None) == Settings(), (name, default)


def test_a_wrong_default_would_be_caught() -> None:
    assert Settings.from_env({"CHATCORE_PORT": "8001"}, dotenv=None) != Settings()
    assert Settings.from_env({"CHATCORE_RATE_LIMIT_LOGIN": "20/61"}, dotenv=None) != Settings()
