"""Tokens the domain hands out: what they say and how long they live."""

from datetime import datetime, timedelta
from enum import StrEnum

import attrs

from chatcore.shared.ids import UserId


class TokenKind(StrEnum):
    """A token of one kind is never accepted as another."""

    ACCESS = "access"
    REFRESH = "refresh"
    RESET = "reset"
    VERIFY = "verify"
    UNDO_EMAIL_CHANGE = "undo_email_change"


@attrs.frozen
class TokenClaims:
    kind: TokenKind
    user_id: UserId
    token_id: str
    issued_at: datetime
    expires_at: datetime
    generation: int
    # The address a verification link proves, or the one an undo link restores: a link
    # stops working once the address it speaks of is no longer the one in question.
    email: str | None = None


@attrs.frozen
class IssuedToken:
    token: str
    claims: TokenClaims


@attrs.frozen
class TokenLifetimes:
    access: timedelta = timedelta(minutes=60)
    refresh: timedelta = timedelta(days=30)
    reset: timedelta = timedelta(hours=1)
    verify: timedelta = timedelta(hours=24)
    undo_email_change: timedelta = timedelta(days=7)

    def of(self, kind: TokenKind) -> timedelta:
        """How long a token of `kind` lives."""
        return {
            TokenKind.ACCESS: self.access,
            TokenKind.REFRESH: self.refresh,
            TokenKind.RESET: self.reset,
            TokenKind.VERIFY: self.verify,
            TokenKind.UNDO_EMAIL_CHANGE: self.undo_email_change,
        }[kind]
