"""Run by test_no_io.py in a fresh interpreter: builds chatcore under Python's audit hooks.

The database URL is the one argument: `memory://`, or a SQLite one to show that the hooks
do see I/O when there is some.

Prints one JSON object: the audited I/O events seen after the imports were done, and the
threads started or left behind. Imports come first because importing reads files; what
is measured is building and using chatcore, not loading its code.
"""

import json
import sys
import threading
from datetime import timedelta

# build() imports the adapter of the URL it is given: load them first.
import adapters.memory
import adapters.sqlite
import chatcore_embed
from chatcore_embed import MemoryOutbox, build, create_app

# Files, directories, sockets, processes, databases, and any module not yet loaded.
WATCHED = ("open", "os.", "socket.", "subprocess.", "sqlite3.", "shutil.", "import", "_thread.")
events: list[str] = []
recording = False


def audit(event: str, args: tuple[object, ...]) -> None:
    if recording and event.startswith(WATCHED):
        events.append(f"{event} {args!r}"[:300])


started: list[str] = []
_start = threading.Thread.start


def start(self: threading.Thread) -> None:
    started.append(self.name)
    _start(self)


threading.Thread.start = start  # type: ignore[method-assign]
sys.addaudithook(audit)
threads_before = {thread.ident for thread in threading.enumerate()}

recording = True
url = sys.argv[1]
for _ in range(200):
    build(database_url=url).close()
outbox = MemoryOutbox()
with build(database_url=url, mailer=outbox) as runtime:
    core = runtime.core
    core.auth.register("jane", "jane@example.com", "a long password")
    core.auth.verify_email(outbox.token("jane@example.com", "Verify"))
    signed_in = core.auth.login("jane@example.com", "a long password")
    jane = core.auth.authenticate(signed_in.access.token)
    session = core.sessions.create(jane, "Offline")
    core.sessions.send_message(jane, session.id, "Hello")
    core.rooms.post(jane, "general", "Hello room")
    core.sessions.delete(jane, session.id)
    core.purge.run(timedelta(0))  # purging memory is no I/O either
    create_app(core)  # the app's threads start with its lifespan, not before
recording = False

left = [t.name for t in threading.enumerate() if t.ident not in threads_before]
print(json.dumps({"events": events, "threads_started": started, "threads_left": left}))
assert chatcore_embed.__all__ and adapters.memory.__all__ and adapters.sqlite.__all__
