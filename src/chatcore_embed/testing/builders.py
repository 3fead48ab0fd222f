"""Entities with sensible defaults, for tests that care about one or two fields."""

import itertools
from datetime import UTC, datetime, timedelta

from adapters.object_ids import ObjectIdGenerator
from chatcore.accounts.model import Role, Tier, User
from chatcore.accounts.tokens import TokenClaims, TokenKind
from chatcore.artifacts.model import Artifact, ArtifactType
from chatcore.chats.model import ChatSession, Message
from chatcore.rooms.model import RoomMessage
from chatcore.shared.ids import ArtifactId, MessageId, RoomMessageId, SessionId, UserId

T0 = datetime(2025, 11, 4, 10, 0, 0, tzinfo=UTC)
_ids = ObjectIdGenerator()
_numbers = itertools.count(1)


def new_id() -> str:
    return _ids.new_id()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def a_user(**overrides: object) -> User:
    n = next(_numbers)
    fields: dict[str, object] = {
        "id": UserId(new_id()),
        "username": f"user{n}",
        "email": f"user{n}@example.com",
        "password_hash": "hash",
        "created_at": T0,
        "updated_at": T0,
        "role": Role.USER,
        "tier": Tier.FREE,
    }
    fields.update(overrides)
    return User(**fields)  # type: ignore[arg-type]


def a_session(owner_id: str, **overrides: object) -> ChatSession:
    fields: dict[str, object] = {
        "id": SessionId(new_id()),
        "owner_id": owner_id,
        "title": "A chat",
        "created_at": T0,
        "updated_at": T0,
    }
    fields.update(overrides)
    return ChatSession(**fields)  # type: ignore[arg-type]


def a_message(session_id: str, author_id: str, **overrides: object) -> Message:
    fields: dict[str, object] = {
        "id": MessageId(new_id()),
        "session_id": session_id,
        "author_id": author_id,
        "content": "hello",
        "created_at": T0,
        "updated_at": T0,
    }
    fields.update(overrides)
    return Message(**fields)  # type: ignore[arg-type]


def claims(user_id: str, kind: TokenKind = TokenKind.REFRESH) -> TokenClaims:
    return TokenClaims(
        kind=kind,
        user_id=UserId(user_id),
        token_id=new_id(),
        issued_at=T0,
        expires_at=T0 + timedelta(days=1),
        generation=0,
    )


def a_room_message(room: str = "general", **overrides: object) -> RoomMessage:
    fields: dict[str, object] = {
        "id": RoomMessageId(new_id()),
        "room": room,
        "author_id": UserId(new_id()),
        "username": "johndoe",
        "content": "Hello everyone!",
        "created_at": T0,
        "updated_at": T0,
    }
    fields.update(overrides)
    return RoomMessage(**fields)  # type: ignore[arg-type]


def an_artifact(session_id: str, owner_id: str, **overrides: object) -> Artifact:
    fields: dict[str, object] = {
        "id": ArtifactId(new_id()),
        "session_id": session_id,
        "owner_id": owner_id,
        "type": ArtifactType.TEXT,
        "name": "Notes",
        "content": "hello",
        "size": 5,
        "created_at": T0,
        "updated_at": T0,
    }
    fields.update(overrides)
    return Artifact(**fields)  # type: ignore[arg-type]
