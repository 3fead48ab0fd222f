"""chatcore: the domain of a chat backend — users, chat sessions, messages and their rules.

Nothing in this package does I/O; the ports it needs are declared in `chatcore.ports`
and implemented in the `adapters` package. `import chatcore` gives the domain: the
entities, the errors, the ports and `ChatCore` (every use case over one set of ports).
To build a ready `ChatCore` from URLs, or serve it over HTTP, see `chatcore_embed`.
"""

from typing import Any

from chatcore.accounts.accounts import Accounts, AccountUpdate
from chatcore.accounts.auth import Auth, SignedIn
from chatcore.accounts.emails import AccountEmails
from chatcore.accounts.model import Role, Tier, User, UserChanges
from chatcore.accounts.ports import (
    OneTimeTokenStore,
    PasswordHasher,
    Redemption,
    TokenService,
    UserRepository,
)
from chatcore.accounts.tokens import IssuedToken, TokenClaims, TokenKind, TokenLifetimes
from chatcore.chats.model import ChatSession, Message, MessageRole
from chatcore.chats.ports import MessageRepository, SessionDependents, SessionRepository
from chatcore.chats.sessions import ChatSessions
from chatcore.core import ChatCore
from chatcore.mail.model import OutgoingEmail
from chatcore.mail.ports import Mailer
from chatcore.ports import Ports, moved_to_the_edge
from chatcore.rooms.chat_rooms import ChatRooms
from chatcore.rooms.model import RoomMessage
from chatcore.rooms.ports import RoomMessageRepository
from chatcore.shared.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthenticated,
)
from chatcore.shared.ids import MessageId, RoomMessageId, SessionId, UserId
from chatcore.shared.paging import Page, Position
from chatcore.shared.ports import Clock, IdGenerator

__all__ = [
    "AccountEmails",
    "AccountUpdate",
    "Accounts",
    "Auth",
    "ChatCore",
    "ChatRooms",
    "ChatSession",
    "ChatSessions",
    "Clock",
    "Conflict",
    "DomainError",
    "Forbidden",
    "IdGenerator",
    "InvalidInput",
    "IssuedToken",
    "Mailer",
    "Message",
    "MessageId",
    "MessageRepository",
    "MessageRole",
    "NotFound",
    "OneTimeTokenStore",
    "OutgoingEmail",
    "Page",
    "PasswordHasher",
    "Ports",
    "Position",
    "Redemption",
    "Role",
    "RoomMessage",
    "RoomMessageId",
    "RoomMessageRepository",
    "SessionDependents",
    "SessionId",
    "SessionRepository",
    "SignedIn",
    "Tier",
    "TokenClaims",
    "TokenKind",
    "TokenLifetimes",
    "TokenService",
    "Unauthenticated",
    "User",
    "UserChanges",
    "UserId",
    "UserRepository",
]


def __getattr__(name: str) -> Any:
    return moved_to_the_edge(__name__, name)
