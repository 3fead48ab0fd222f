"""chatcore as a library: build the use cases from settings or URLs, and serve them.

`import chatcore` gives the domain (entities, errors, ports, `ChatCore`); this package
gives what picks adapters and delivers, which the domain may not import:

    runtime = chatcore_embed.build(database_url="memory://")
    user = runtime.core.auth.register("jane", "jane@example.com", "a long password")

`build` is the server's own composition root; `create_app` its own Starlette factory.
`MemoryOutbox` (a mailer that keeps the emails) and `ManualClock` serve offline use.
The contract suites of the ports, for a host's own adapters, are in `chatcore_embed.testing`.
"""

from adapters.memory import ManualClock, MemoryOutbox
from entrypoints.bootstrap import PortOverrides, Runtime, build
from entrypoints.http.app import create_app, lifespan
from entrypoints.http.security import Identity
from entrypoints.settings import Settings

__all__ = [
    "Identity",
    "ManualClock",
    "MemoryOutbox",
    "PortOverrides",
    "Runtime",
    "Settings",
    "build",
    "create_app",
    "lifespan",
]
