"""The tokens an account is handed: issued under its generation, read back, revoked."""

from datetime import datetime

import attrs

from chatcore.accounts.model import User
from chatcore.accounts.ports import (
    OneTimeTokenStore,
    Redemption,
    SignOutNotices,
    TokenService,
    UserRepository,
)
from chatcore.accounts.tokens import IssuedToken, TokenClaims, TokenKind, TokenLifetimes
from chatcore.shared.errors import InvalidInput, Unauthenticated
from chatcore.shared.ids import UserId
from chatcore.shared.ports import Clock, IdGenerator

INVALID_TOKEN = "Invalid or expired token"
# Every one-time link of an account but the undo links (see Credentials.revoke_all).
_REVOKED_WITH_THE_SESSIONS = (TokenKind.REFRESH, TokenKind.RESET, TokenKind.VERIFY)


@attrs.frozen
class SignedIn:
    """What a login or a refresh hands back: the user and a fresh pair of tokens."""

    user: User
    access: IssuedToken
    refresh: IssuedToken


@attrs.frozen
class Credentials:
    users: UserRepository
    tokens: TokenService
    one_time_tokens: OneTimeTokenStore
    ids: IdGenerator
    clock: Clock
    # Who closes a user's live connections when their sign-ins are revoked.
    sign_outs: SignOutNotices
    lifetimes: TokenLifetimes = TokenLifetimes()

    def issue(
        self, kind: TokenKind, user: User, *, remember: bool, email: str | None = None
    ) -> IssuedToken:
        """A token of `kind` for `user` under their generation; `remember` it to redeem it once."""
        now = self.clock.now()
        claims = TokenClaims(
            kind=kind,
            user_id=user.id,
            token_id=self.ids.new_id(),
            issued_at=now,
            expires_at=now + self.lifetimes.of(kind),
            generation=user.token_generation,
            email=email,
        )
        if remember:
            self.one_time_tokens.add(claims)
        return IssuedToken(token=self.tokens.issue(claims), claims=claims)

    def sign_in(self, user: User) -> SignedIn:
        """A fresh pair of tokens for `user`, issued under their current generation."""
        return SignedIn(
            user=user,
            access=self.issue(TokenKind.ACCESS, user, remember=False),
            refresh=self.issue(TokenKind.REFRESH, user, remember=True),
        )

    def read(
        self, token: str, kind: TokenKind, error: type[InvalidInput | Unauthenticated]
    ) -> TokenClaims:
        """The claims of a genuine, unexpired token of `kind`, or `error`."""
        claims = self.tokens.read(token, kind)
        if claims is None or _expired(claims, self.clock.now()):
            raise error(INVALID_TOKEN)
        return claims

    def redeem(self, claims: TokenClaims) -> None:
        """Use up a one-time link; InvalidInput if it was used or revoked already."""
        if self.one_time_tokens.redeem(claims.token_id) is not Redemption.REDEEMED:
            raise InvalidInput(INVALID_TOKEN)

    def holder(self, claims: TokenClaims, error: type[InvalidInput | Unauthenticated]) -> User:
        """The user a token was issued to, if that token has not been revoked since."""
        user = self.users.get(claims.user_id)
        if user is None or not user.still_signed_in(claims.generation):
            raise error(INVALID_TOKEN)
        return user

    def revoke_all(self, user_id: UserId) -> None:
        """Sign the user out everywhere, once a transition has bumped and saved their generation.

        Access and refresh tokens die by the generation; here every outstanding one-time
        link dies with them. Undo links are the exception: a thief who resets the password
        of an account they moved must not be able to cancel the owner's way back.
        """
        for kind in _REVOKED_WITH_THE_SESSIONS:
            self.one_time_tokens.revoke(user_id, kind)
        # The open room sockets go too: their tokens were checked only when they opened.
        self.sign_outs.signed_out(user_id)


def _expired(claims: TokenClaims, now: datetime) -> bool:
    return now >= claims.expires_at
