"""Offline: chatcore's use cases as plain calls, over in-memory adapters."""

import chatcore
from chatcore_embed import MemoryOutbox, build

outbox = MemoryOutbox()  # keeps the emails chatcore sends, so we can read their links
with build(database_url="memory://", mailer=outbox) as runtime:
    core = runtime.core
    core.auth.register("jane", "jane@example.com", "a long password")
    core.auth.verify_email(outbox.token("jane@example.com", "Verify"))
    jane = core.auth.login("jane@example.com", "a long password").user

    session = core.sessions.create(jane, "Planning")
    core.sessions.send_message(jane, session.id, "Hello from a test!")
    [message] = core.sessions.messages(jane, session.id)
    assert message.content == "Hello from a test!"
    assert core.sessions.get(jane, session.id).message_count == 1

    try:
        core.auth.login("jane@example.com", "not her password")
    except chatcore.Unauthenticated as error:
        print("refused:", error.message)  # the domain's errors, no status codes
