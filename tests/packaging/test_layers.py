"""Imports point inward: the domain reaches no outer layer and no I/O library, adapters
reach no edge — not even inside a function, where an import is easy to miss."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
OUTER = {
    "chatcore": {"adapters", "entrypoints", "chatcore_embed"},
    "adapters": {"entrypoints", "chatcore_embed"},
}
IO_LIBRARIES = {"starlette", "uvicorn", "pymongo", "gridfs", "sqlite3", "redis", "dulwich",
                "jwt", "argon2", "smtplib", "socket", "orjson", "pypdf"}  # fmt: skip


def imported(path: Path) -> set[str]:
    """The top-level package of every module `path` imports, wherever it does."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.partition(".")[0])
    return names


@pytest.mark.parametrize("layer", sorted(OUTER))
def test_no_module_imports_an_outer_layer(layer: str) -> None:
    forbidden = OUTER[layer] | (IO_LIBRARIES if layer == "chatcore" else set())
    wrong = {
        str(path.relative_to(SRC)): sorted(imported(path) & forbidden)
        for path in sorted((SRC / layer).rglob("*.py"))
        if imported(path) & forbidden
    }
    assert wrong == {}
