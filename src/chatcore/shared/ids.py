"""Identifiers: 24 lowercase hex characters (the MongoDB ObjectId form) in every adapter."""

import re
from typing import NewType

from chatcore.shared.errors import InvalidInput

UserId = NewType("UserId", str)
SessionId = NewType("SessionId", str)
MessageId = NewType("MessageId", str)
RoomMessageId = NewType("RoomMessageId", str)
ArtifactId = NewType("ArtifactId", str)

_ID_FORMAT = re.compile(r"[0-9a-f]{24}")


def is_valid_id(value: str) -> bool:
    """Tell whether `value` has the form of an id (it may still name nothing)."""
    return _ID_FORMAT.fullmatch(value) is not None


def parse_user_id(raw: str) -> UserId:
    """A user id from the wire; InvalidInput if malformed."""
    return UserId(_checked(raw, "user"))


def parse_session_id(raw: str) -> SessionId:
    """A session id from the wire; InvalidInput if malformed."""
    return SessionId(_checked(raw, "session"))


def parse_message_id(raw: str) -> MessageId:
    """A message id from the wire; InvalidInput if malformed."""
    return MessageId(_checked(raw, "message"))


def parse_artifact_id(raw: str) -> ArtifactId:
    """An artifact id from the wire; InvalidInput if malformed."""
    return ArtifactId(_checked(raw, "artifact"))


def _checked(raw: str, name: str) -> str:
    if not is_valid_id(raw):
        raise InvalidInput(f"Invalid {name} ID")
    return raw
