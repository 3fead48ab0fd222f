"""chatcore: the domain of a chat backend — users, chat sessions, messages and their rules.

Nothing in this package does I/O; the ports it needs are declared in `chatcore.ports`
and implemented in the `adapters` package. `import chatcore` gives the domain: the
entities, the errors, the ports and `ChatCore` (every use case over one set of ports).
To build a ready `ChatCore` from URLs, or serve it over HTTP, see `chatcore_embed`.
"""

from chatcore.accounts import Accounts, AccountUpdate
from chatcore.auth import Auth, SignedIn
from chatcore.chat_rooms import ChatRooms
from chatcore.chats import ChatSession, Message, MessageRole
from chatcore.core import ChatCore
from chatcore.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthenticated,
)
from chatcore.ids import MessageId, RoomMessageId, SessionId, UserId
from chatcore.mail import AccountEmails, OutgoingEmail
from chatcore.paging import Page, Position
from chatcore.ports import (
    Clock,
    IdGenerator,
    Mailer,
    MessageRepository,
    OneTimeTokenStore,
    PasswordHasher,
    Ports,
    Redemption,
    RoomBroker,
    RoomMessageRepository,
    SessionDependents,
    SessionRepository,
    TokenService,
    UserRepository,
)
from chatcore.rooms import RoomMessage
from chatcore.sessions import ChatSessions
from chatcore.tokens import IssuedToken, TokenClaims, TokenKind, TokenLifetimes
from chatcore.users import Role, Tier, User, UserChanges

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
    "RoomBroker",
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
