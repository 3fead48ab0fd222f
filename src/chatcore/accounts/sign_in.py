"""Signing in: login with a password, token refresh, and who a token or a host speaks for."""

from datetime import datetime
from typing import NoReturn

import attrs

from chatcore.accounts.credentials import INVALID_TOKEN, Credentials, SignedIn
from chatcore.accounts.model import VERIFICATION_RESEND_INTERVAL, User, normalize_email
from chatcore.accounts.ports import OneTimeTokenStore, PasswordHasher, Redemption, UserRepository
from chatcore.accounts.security_events import SecurityEvents
from chatcore.accounts.throttle import LoginThrottle
from chatcore.accounts.tokens import TokenKind
from chatcore.accounts.verification import EmailVerification
from chatcore.shared.audit import AuditKind
from chatcore.shared.errors import Forbidden, TooManyRequests, Unauthenticated
from chatcore.shared.ids import UserId
from chatcore.shared.ports import Clock, IdGenerator
from chatcore.shared.unit_of_work import UnitOfWork

INVALID_CREDENTIALS = "Incorrect email or password"
VERIFICATION_RESEND_MINUTES = int(VERIFICATION_RESEND_INTERVAL.total_seconds() // 60)


@attrs.define
class SignIn:
    users: UserRepository
    one_time_tokens: OneTimeTokenStore
    hasher: PasswordHasher
    clock: Clock
    ids: IdGenerator
    unit_of_work: UnitOfWork
    credentials: Credentials
    events: SecurityEvents
    verification: EmailVerification
    # None: failed logins are not throttled (CHATCORE_RATE_LIMITS=off).
    throttle: LoginThrottle | None = None
    # Hash of a random password, verified against when the email is unknown, so that an
    # unknown email costs as long as a wrong password and does not reveal who has an account.
    _decoy_hash: str | None = attrs.field(default=None, init=False)

    def login(self, email: str, password: str, address: str | None = None) -> SignedIn:
        """Check the password and open a signed-in session for a verified, active user.

        `address` is the client's; failures from it slow its further tries down.
        """
        user = self.users.get_by_email(normalize_email(email))
        user_id = None if user is None else user.id
        if self.throttle is not None:
            try:
                self.throttle.check(email, address)
            except TooManyRequests:
                # Refused before the password is looked at: a guess made now is not tried.
                self.events.record(AuditKind.LOGIN_THROTTLED, user_id, address=address, email=email)
                raise
        if user is None:
            self.hasher.verify(self._decoy(), password)
            self._login_failed(email, address, None, "unknown email")
        elif not self.hasher.verify(user.password_hash, password):
            self._login_failed(email, address, user.id, "wrong password")
        assert user is not None
        if self.throttle is not None:
            self.throttle.succeeded(email, address)
        if not user.active:
            raise Forbidden("Account is inactive")
        if not user.verified:
            self._resend_verification(user)
        if self.hasher.needs_rehash(user.password_hash):
            user = user.rehash_password(self.hasher.hash(password))
            self.users.save(user)
        self.events.record(AuditKind.LOGIN_SUCCEEDED, user.id, address=address)
        return self.credentials.sign_in(user)

    def _resend_verification(self, user: User) -> NoReturn:
        # Without this, a lost or expired verification email would be a dead end; the
        # interval keeps a client retrying its login from flooding the mailbox.
        now = self.clock.now()
        if not user.may_resend_verification(now):
            raise Forbidden(
                "Email not verified: a verification email was sent less than "
                f"{VERIFICATION_RESEND_MINUTES} minutes ago and has not been sent again"
            )
        user = user.verification_sent(now)
        with self.unit_of_work.atomic():
            self.users.save(user)
            self.verification.send(user)
        raise Forbidden("Email not verified: a new verification email has been sent")

    def _login_failed(
        self, email: str, address: str | None, user_id: UserId | None, reason: str
    ) -> None:
        if self.throttle is not None:
            self.throttle.failed(email, address)
        self.events.record(
            AuditKind.LOGIN_FAILED, user_id, address=address, email=email, reason=reason
        )
        raise Unauthenticated(INVALID_CREDENTIALS)

    def refresh(self, refresh_token: str) -> SignedIn:
        """Trade a refresh token for a new pair; a reused one revokes all of the user's."""
        claims = self.credentials.read(refresh_token, TokenKind.REFRESH, Unauthenticated)
        redemption = self.one_time_tokens.redeem(claims.token_id)
        if redemption is Redemption.ALREADY_USED:
            # Someone replayed a rotated token: the token was stolen from one of the two
            # parties, and we cannot tell which, so sign every session of the user out:
            # their access tokens too, or the thief keeps an hour of access.
            user = self.users.get(claims.user_id)
            if user is not None and user.exists:
                self.users.save(user.revoke_tokens())
                self.credentials.revoke_all(user.id)
            else:
                self.one_time_tokens.revoke(claims.user_id, TokenKind.REFRESH)
            self.events.record(AuditKind.REFRESH_REUSE_DETECTED, claims.user_id)
            raise Unauthenticated("Refresh token reuse detected: please sign in again")
        if redemption is Redemption.UNKNOWN:
            raise Unauthenticated(INVALID_TOKEN)
        return self.credentials.sign_in(self.credentials.holder(claims, Unauthenticated))

    def authenticate_until(self, access_token: str) -> tuple[User, datetime]:
        """The user an access token speaks for, and when it stops (for long connections)."""
        claims = self.credentials.read(access_token, TokenKind.ACCESS, Unauthenticated)
        return self.credentials.holder(claims, Unauthenticated), claims.expires_at

    def admit(self, user: User) -> User:
        """`user` as stored now, when a trusted host vouches for them instead of a token.

        Unauthenticated if the account is gone or deactivated: the host decides who is
        calling, chatcore still decides whether that account may act.
        """
        current = self.users.get(user.id)
        if current is None or not current.exists or not current.active:
            raise Unauthenticated("Not authenticated")
        return current

    def _decoy(self) -> str:
        if self._decoy_hash is None:
            self._decoy_hash = self.hasher.hash(self.ids.new_id())
        return self._decoy_hash


@attrs.frozen
class CurrentPassword:
    """The proof asked of whoever changes their own password or address."""

    hasher: PasswordHasher
    events: SecurityEvents
    throttle: LoginThrottle | None = None

    def prove(self, user: User, password: str | None, address: str | None) -> None:
        """Forbidden unless `password` is `user`'s; guesses count as failed logins."""
        if self.throttle is not None:
            try:
                self.throttle.check(user.email, address)
            except TooManyRequests:
                self.events.record(
                    AuditKind.LOGIN_THROTTLED, user.id, address=address, via="current_password"
                )
                raise
        if password is None or not self.hasher.verify(user.password_hash, password):
            # A stolen access token must not become an unlimited password oracle.
            if self.throttle is not None:
                self.throttle.failed(user.email, address)
            reason = "missing" if password is None else "wrong"
            self.events.record(
                AuditKind.CURRENT_PASSWORD_REJECTED, user.id, address=address, reason=reason
            )
            raise Forbidden(
                "current_password is required"
                if password is None
                else "current_password is incorrect"
            )
        if self.throttle is not None:
            self.throttle.succeeded(user.email, address)
