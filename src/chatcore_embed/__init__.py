"""chatcore as a library: build the use cases from settings or URLs, and serve them.

`import chatcore` gives the domain (entities, errors, ports, `ChatCore`); this package
gives what picks adapters and delivers, which the domain may not import:

    runtime = chatcore_embed.build(database_url="memory://")
    user = runtime.core.auth.register("jane", "jane@example.com", "a long password")

`build` is the server's own composition root; `create_app` its own Starlette factory.
`MemoryOutbox` (a mailer that keeps the emails) and `ManualClock` serve offline use.
The contract suites of the ports, for a host's own adapters, are in `chatcore_embed.testing`.

`adapters` and `entrypoints` are top-level names that other PyPI distributions install
too: the first use of this package checks that they are chatcore's (`PackageClash` if not).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from chatcore_embed.packages import PackageClash, check_packages

if TYPE_CHECKING:
    from adapters.memory import ManualClock, MemoryOutbox
    from entrypoints.bootstrap import PortOverrides, Runtime, build
    from entrypoints.config import Settings
    from entrypoints.http.app import create_app, lifespan
    from entrypoints.http.security import Identity

# Imported on first use, after check_packages(): were `adapters` or `entrypoints` another
# distribution's, importing them here would fail with a baffling error, or run its code.
_EXPORTS = {
    "Identity": "entrypoints.http.security",
    "ManualClock": "adapters.memory",
    "MemoryOutbox": "adapters.memory",
    "PortOverrides": "entrypoints.bootstrap",
    "Runtime": "entrypoints.bootstrap",
    "Settings": "entrypoints.config",
    "build": "entrypoints.bootstrap",
    "create_app": "entrypoints.http.app",
    "lifespan": "entrypoints.http.app",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    check_packages()
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "Identity",
    "ManualClock",
    "MemoryOutbox",
    "PackageClash",
    "PortOverrides",
    "Runtime",
    "Settings",
    "build",
    "check_packages",
    "create_app",
    "lifespan",
]
