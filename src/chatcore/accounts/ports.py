"""What the accounts context needs from the outside: user storage, tokens, hashing."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol

import attrs

from chatcore.accounts.model import User
from chatcore.accounts.tokens import TokenClaims, TokenKind
from chatcore.shared.ids import UserId


@attrs.frozen
class Failures:
    """The failed logins counted under one key, and when the last one happened."""

    count: int
    last_at: datetime


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with weaker parameters than today's."""
        ...


class TokenService(Protocol):
    def issue(self, claims: TokenClaims) -> str:
        """Sign `claims` into an opaque token string."""
        ...

    def read(self, token: str, kind: TokenKind) -> TokenClaims | None:
        """The claims of a genuine token of `kind`, or None. Expiry is the caller's to judge."""
        ...


class UserRepository(Protocol):
    def add(self, user: User) -> None:
        """Store a new user; Conflict if a live user has the email or the username."""
        ...

    def get(self, user_id: UserId) -> User | None:
        """The user with this id, deleted or not."""
        ...

    def get_by_email(self, email: str) -> User | None:
        """The live user with this canonical (lower-case) email."""
        ...

    def save(self, user: User) -> None:
        """Store the changed user; Conflict if the new email or username is taken."""
        ...

    def list_live(self, after: UserId | None, limit: int) -> list[User]:
        """Up to `limit` live users in id order, those with ids after `after` (operators)."""
        ...

    def deleted_before(self, cutoff: datetime, limit: int) -> list[UserId]:
        """Ids of at most `limit` users soft-deleted before `cutoff` (due for purging)."""
        ...

    def remove(self, user_ids: Sequence[UserId]) -> None:
        """Forget these users for good; ids already gone are no error."""
        ...


class Redemption(Enum):
    REDEEMED = "redeemed"
    ALREADY_USED = "already used"
    UNKNOWN = "unknown"


class OneTimeTokenStore(Protocol):
    """Tokens that may be redeemed once: refresh, password-reset and verification tokens."""

    def add(self, claims: TokenClaims) -> None: ...

    def redeem(self, token_id: str) -> Redemption:
        """Mark the token used; atomic, so two concurrent redemptions cannot both succeed."""
        ...

    def revoke(self, user_id: UserId, kind: TokenKind | None = None) -> None:
        """Forget the user's tokens (of one kind, or all): they can never be redeemed."""
        ...

    def remove_expired(self, before: datetime) -> int:
        """Forget the tokens that expired before `before`; how many there were."""
        ...


class FailureCounters(Protocol):
    """Counts of recent failures by key (login throttling), shared by every process."""

    def get(self, key: str) -> "Failures | None":
        """The failures counted under `key`, unless forgotten."""
        ...

    def record(self, key: str, at: datetime, keep_for: timedelta) -> None:
        """Count one more failure at `at`; forget them all `keep_for` after the last."""
        ...

    def clear(self, key: str) -> None: ...


class SignOutNotices(Protocol):
    """Told when every sign-in of a user has just been revoked, so live connections end too.

    A token is checked when a connection opens; a room socket would otherwise outlive the
    revocation. Called after the revocation is saved; must not block on the network.
    """

    def signed_out(self, user_id: UserId) -> None:
        """Every earlier sign-in of `user_id` is revoked: close what they hold open."""
        ...


class NobodyListening:
    """SignOutNotices for a build that holds no live connections (the CLI, unit tests)."""

    def signed_out(self, user_id: UserId) -> None:
        """Nothing is open here to close."""
