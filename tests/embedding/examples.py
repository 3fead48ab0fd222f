"""The examples of docs/embedding.md, as the files the document includes verbatim."""

import importlib.util
import re
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "embedding.md"
EXAMPLES = ROOT / "docs" / "examples"

# An example is included as a marker line naming its file, then a fenced Python block.
_INCLUDED = re.compile(r"<!-- example: (?P<path>\S+) -->\n```python\n(?P<code>.*?)```\n", re.S)


def included_examples() -> dict[str, str]:
    """The code blocks of the document, by the path of the file each one shows."""
    return {m["path"]: m["code"] for m in _INCLUDED.finditer(DOC.read_text(encoding="utf-8"))}


def load(name: str) -> ModuleType:
    """Run docs/examples/<name>.py as a fresh module, as `python` would."""
    path = EXAMPLES / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"docs_example_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
