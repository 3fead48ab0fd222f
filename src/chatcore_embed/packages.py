"""chatcore's top-level `adapters` and `entrypoints` packages, told apart from namesakes.

PyPI has distributions that install the same import names (`entrypoints`, still pulled in
by older Jupyter tooling; `adapters`, AdapterHub's library). Whichever Python finds first
wins, so chatcore checks, before importing either, that what would be imported is its own.
"""

import importlib.util
import sys
from pathlib import Path

# Both packages' `__init__.py` carry this line; a namesake's does not.
MARKER = '__distribution__ = "chatcore"'

NAMESAKES = {
    "adapters": "adapters (AdapterHub's library)",
    "entrypoints": "entrypoints (pulled in by older Jupyter tooling)",
}


class PackageClash(ImportError):
    """Another distribution's `adapters` or `entrypoints` is what Python would import."""


def check_packages() -> None:
    """Raise PackageClash unless `adapters` and `entrypoints` are chatcore's own packages."""
    for name, namesake in NAMESAKES.items():
        origin = _origin(name)
        if origin is None or MARKER not in _text(origin):
            where = origin or "nowhere"
            raise PackageClash(
                f"the {name!r} package Python finds ({where}) is not chatcore's: another"
                f" distribution, such as PyPI's {namesake}, installs the same name. Install"
                f" chatcore in a virtual environment of its own (or `pip uninstall {name}`"
                " there, then reinstall chatcore).",
                name=name,
            )


def _origin(name: str) -> str | None:
    module = sys.modules.get(name)
    try:
        spec = module.__spec__ if module is not None else importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return None if spec is None else spec.origin


def _text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
