"""Entities as the API's JSON: users say `id`, sessions and messages `_id`; times end in Z.

Each shape is declared as a typed class (`UserOut`, `SessionOut`, …) beside the function
that makes it: the OpenAPI document reads its schemas off those classes, and the API tests
validate every response they receive against them.
"""

from datetime import datetime
from typing import Any, Literal

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from chatcore.auth import SignedIn
from chatcore.chats import ChatSession, Message, MessageRole
from chatcore.ids import MessageId, SessionId, UserId
from chatcore.tokens import IssuedToken
from chatcore.users import Role, Tier, User


@attrs.frozen
class UserOut:
    """An account, as its owner and admins see it."""

    id: UserId
    username: str
    email: str
    created_at: datetime
    updated_at: datetime
    role: Role
    tier: Tier
    verified: bool
    active: bool


@attrs.frozen
class SignedInOut(UserOut):
    """The account that signed in, and its tokens."""

    access_token: str
    refresh_token: str
    token_type: Literal["bearer"]
    expires_at: datetime  # when the access token expires


@attrs.frozen
class RefreshedOut:
    """A new pair of tokens; the refresh token sent in is spent."""

    id: UserId
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"]
    expires_at: datetime


@attrs.frozen
class SessionOut:
    """A chat session."""

    _id: SessionId
    user_id: UserId
    title: str
    created_at: datetime
    updated_at: datetime
    message_count: int
    last_message_at: datetime | None


@attrs.frozen
class MessageOut:
    """A message in a chat session."""

    _id: MessageId
    session_id: SessionId
    user_id: UserId
    content: str
    role: MessageRole
    created_at: datetime
    updated_at: datetime
    deleted: bool
    deleted_at: datetime | None


@attrs.frozen
class Done:
    """What was done, in words."""

    message: str


@attrs.frozen
class SessionDeletedOut:
    """The session is gone, and this many of its artifacts with it."""

    message: str
    artifacts_disabled: int


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a Z."""
    # Times are UTC, so the offset isoformat writes is always +00:00 (and faster than strftime).
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"


views = cattrs.Converter()
views.register_unstructure_hook(datetime, timestamp)
views.register_unstructure_hook(
    User,
    make_dict_unstructure_fn(
        User,
        views,
        password_hash=override(omit=True),
        deleted_at=override(omit=True),
        token_generation=override(omit=True),
    ),
)
views.register_unstructure_hook(
    ChatSession,
    make_dict_unstructure_fn(
        ChatSession,
        views,
        id=override(rename="_id"),
        owner_id=override(rename="user_id"),
        deleted_at=override(omit=True),
    ),
)


def user_view(user: User) -> dict[str, Any]:
    return views.unstructure(user)  # type: ignore[no-any-return]


def session_view(session: ChatSession) -> dict[str, Any]:
    return views.unstructure(session)  # type: ignore[no-any-return]


def message_view(message: Message) -> dict[str, Any]:
    # Written out rather than generated: a page holds up to 1,000 of these, and a live
    # message's created_at and updated_at are one time, formatted once.
    created_at = timestamp(message.created_at)
    deleted_at = message.deleted_at
    return {
        "_id": message.id,
        "session_id": message.session_id,
        "user_id": message.author_id,
        "content": message.content,
        "role": message.role,
        "created_at": created_at,
        "updated_at": (
            created_at
            if message.updated_at == message.created_at
            else timestamp(message.updated_at)
        ),
        "deleted": deleted_at is not None,
        "deleted_at": None if deleted_at is None else timestamp(deleted_at),
    }


def token_fields(signed_in: SignedIn) -> dict[str, Any]:
    """The token half of a login or refresh answer."""
    access: IssuedToken = signed_in.access
    return {
        "access_token": access.token,
        "refresh_token": signed_in.refresh.token,
        "token_type": "bearer",
        "expires_at": timestamp(access.claims.expires_at),
    }
