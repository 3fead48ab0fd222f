"""Every third-party module src/ imports is a declared dependency, of the base or an extra."""

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).parents[2]
SRC = ROOT / "src"
FIRST_PARTY = {"chatcore", "chatcore_embed", "adapters", "entrypoints"}
# Where each extra's library may be imported: nowhere else may need it.
EXTRA_HOMES = {
    "mongo": ("adapters/mongo/",),
    "redis": ("adapters/redis_",),
    "server": ("entrypoints/server.py", "entrypoints/cli.py"),
    "testing": ("chatcore_embed/testing/",),
}


def canonical(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match is not None, requirement
    return re.sub(r"[-_.]+", "-", match.group()).lower()


def declared() -> dict[str, set[str]]:
    """Distribution names by extra; the base install under ""."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    found = {"": {canonical(r) for r in project["dependencies"]}}
    for extra, requirements in project["optional-dependencies"].items():
        found[extra] = {canonical(r) for r in requirements}
    return found


def third_party_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.partition(".")[0])
    # _typeshed exists only for type checkers (imported under TYPE_CHECKING).
    return names - FIRST_PARTY - set(sys.stdlib_module_names) - {"_typeshed"}


def test_every_imported_module_comes_from_a_declared_distribution() -> None:
    extras = declared()
    distributions = packages_distributions()
    undeclared: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        where = str(path.relative_to(SRC))
        allowed = set(extras[""])
        for extra, homes in EXTRA_HOMES.items():
            if where.startswith(homes):
                allowed |= extras[extra]
        for module in sorted(third_party_imports(path)):
            names = {canonical(name) for name in distributions.get(module, [module])}
            if not names & allowed:
                undeclared.append(f"{where}: {module} ({', '.join(sorted(names))})")
    assert undeclared == []


def test_the_check_knows_an_undeclared_import_when_it_sees_one(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text("import urllib3\nfrom anyio import to_thread\nimport json\nimport adapters\n")
    assert third_party_imports(module) == {"urllib3", "anyio"}
    assert "urllib3" in declared()[""] and "anyio" in declared()[""]
    assert "uvicorn" not in declared()[""] and "pymongo" not in declared()[""]
