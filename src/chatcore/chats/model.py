"""Chat sessions and their messages: the entities and the rules on their content."""

from datetime import datetime
from enum import StrEnum

import attrs

from chatcore.accounts.model import User
from chatcore.shared.errors import InvalidInput
from chatcore.shared.ids import MessageId, SessionId, UserId

DEFAULT_TITLE = "New Chat"
TITLE_MAX_LENGTH = 200
CONTENT_MAX_LENGTH = 32_000


class MessageRole(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"
    SYSTEM = "system"


@attrs.define
class ChatSession:
    id: SessionId
    owner_id: UserId
    title: str
    created_at: datetime
    updated_at: datetime
    message_count: int = 0
    last_message_at: datetime | None = None
    deleted_at: datetime | None = None

    def visible_to(self, user: User) -> bool:
        """Only the owner sees a live session; to anyone else it does not exist."""
        return self.deleted_at is None and self.owner_id == user.id

    def rename(self, title: str, now: datetime) -> None:
        """Give the session a new title (1–200 characters, not blank), as of `now`."""
        self.title = check_title(title)
        self.updated_at = now


@attrs.define
class Message:
    id: MessageId
    session_id: SessionId
    author_id: UserId
    content: str
    created_at: datetime
    updated_at: datetime
    role: MessageRole = MessageRole.USER
    deleted_at: datetime | None = None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None


def check_title(title: str) -> str:
    """Return a valid session title (1–200 characters, not blank)."""
    if not title.strip() or len(title) > TITLE_MAX_LENGTH:
        raise InvalidInput(f"Title must be 1-{TITLE_MAX_LENGTH} characters and not blank")
    return title


def check_content(content: str) -> str:
    """Return valid message content (1–32,000 characters, not blank)."""
    if not content.strip() or len(content) > CONTENT_MAX_LENGTH:
        raise InvalidInput(f"Content must be 1-{CONTENT_MAX_LENGTH} characters and not blank")
    return content
