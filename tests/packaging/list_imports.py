"""Run by test_wheel.py with the installed wheel's Python: import every chatcore module.

Prints one JSON object: `missing`, each module that could not be imported with the
top-level name of the module it lacked; `files`, where each package was imported from.
"""

import importlib
import json
import pkgutil
import sys

PACKAGES = ("chatcore", "chatcore_embed", "adapters", "entrypoints")

missing: dict[str, str] = {}
for package in PACKAGES:
    root = importlib.import_module(package)
    found = pkgutil.walk_packages(root.__path__, f"{package}.", onerror=lambda _: None)
    for name in [package, *(info.name for info in found)]:
        try:
            importlib.import_module(name)
        # A missing module, or chatcore's own MissingExtra naming it.
        except ImportError as error:
            missing[name] = (error.name or "?").partition(".")[0]
files = {package: importlib.import_module(package).__file__ for package in PACKAGES}
json.dump({"missing": missing, "files": files}, sys.stdout)
