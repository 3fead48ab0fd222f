"""Entities with sensible defaults: the builders the public contract suites use, shared."""

from chatcore_embed.testing.builders import (
    T0,
    a_message,
    a_room_message,
    a_session,
    a_user,
    an_artifact,
    at,
    claims,
    new_id,
)

__all__ = [
    "T0", "a_message", "a_room_message", "a_session", "a_user", "an_artifact", "at", "claims",
    "new_id",
]  # fmt: skip
