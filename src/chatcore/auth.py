"""Authentication use cases: registration, login, token refresh, verification and reset."""

from datetime import datetime

import attrs

from chatcore.audit import AuditEvent, AuditKind
from chatcore.errors import Forbidden, InvalidInput, NotFound, TooManyRequests, Unauthenticated
from chatcore.ids import UserId
from chatcore.login_throttle import LoginThrottle
from chatcore.mail import AccountEmails
from chatcore.ports import Ports, Redemption
from chatcore.tokens import IssuedToken, TokenClaims, TokenKind, TokenLifetimes
from chatcore.users import (
    Role,
    Tier,
    User,
    check_email,
    check_password,
    check_registration_allowed,
    check_username,
    normalize_email,
)

INVALID_CREDENTIALS = "Incorrect email or password"
INVALID_TOKEN = "Invalid or expired token"


@attrs.frozen
class SignedIn:
    """What a login or a refresh hands back: the user and a fresh pair of tokens."""

    user: User
    access: IssuedToken
    refresh: IssuedToken


@attrs.define
class Auth:
    ports: Ports
    lifetimes: TokenLifetimes = TokenLifetimes()
    emails: AccountEmails = AccountEmails()
    # None: failed logins are not throttled (CHATCORE_RATE_LIMITS=off).
    throttle: LoginThrottle | None = None
    # Hash of a random password, verified against when the email is unknown, so that an
    # unknown email costs as long as a wrong password and does not reveal who has an account.
    _decoy_hash: str | None = attrs.field(default=None, init=False)

    def register(
        self,
        username: str,
        email: str,
        password: str,
        role: Role = Role.USER,
        tier: Tier = Tier.FREE,
        *,
        actor: User | None = None,
        verified: bool = False,
    ) -> User:
        """Create an account and send its verification email (unless created verified)."""
        check_registration_allowed(actor, role, tier)
        if verified and not (actor is not None and actor.is_admin):
            raise Forbidden("Only an admin may create a verified user")
        return self.create_user(username, email, password, role, tier, verified=verified)

    def create_user(
        self,
        username: str,
        email: str,
        password: str,
        role: Role = Role.USER,
        tier: Tier = Tier.FREE,
        *,
        verified: bool = False,
    ) -> User:
        """Create an account with any role on the operator's authority (the CLI)."""
        now = self.ports.clock.now()
        user = User(
            id=UserId(self.ports.ids.new_id()),
            username=check_username(username),
            email=check_email(email),
            password_hash=self.ports.hasher.hash(check_password(password)),
            created_at=now,
            updated_at=now,
            role=role,
            tier=tier,
            verified=verified,
        )
        # The account and its verification email are stored together, or neither is.
        with self.ports.unit_of_work.atomic():
            self.ports.users.add(user)
            if not verified:
                self.send_verification(user)
        return user

    def send_verification(self, user: User) -> None:
        """Email `user` a fresh verification link; earlier links stop working."""
        with self.ports.unit_of_work.atomic():
            self.ports.one_time_tokens.revoke(user.id, TokenKind.VERIFY)
            token = self._issue(TokenKind.VERIFY, user, remember=True)
            self.ports.mailer.send(self.emails.verification(user, token.token))

    def login(self, email: str, password: str, address: str | None = None) -> SignedIn:
        """Check the password and open a signed-in session for a verified, active user.

        `address` is the client's; failures from it slow its further tries down.
        """
        user = self.ports.users.get_by_email(normalize_email(email))
        user_id = None if user is None else user.id
        if self.throttle is not None:
            try:
                self.throttle.check(email, address)
            except TooManyRequests:
                # Refused before the password is looked at: a guess made now is not tried.
                self.audit(AuditKind.LOGIN_THROTTLED, user_id, address=address, email=email)
                raise
        if user is None:
            self.ports.hasher.verify(self._decoy(), password)
            self._login_failed(email, address, None, "unknown email")
        elif not self.ports.hasher.verify(user.password_hash, password):
            self._login_failed(email, address, user.id, "wrong password")
        assert user is not None
        if self.throttle is not None:
            self.throttle.succeeded(email, address)
        if not user.active:
            raise Forbidden("Account is inactive")
        if not user.verified:
            # Without this, a lost or expired verification email would be a dead end.
            self.send_verification(user)
            raise Forbidden("Email not verified: a new verification email has been sent")
        if self.ports.hasher.needs_rehash(user.password_hash):
            user.password_hash = self.ports.hasher.hash(password)
            self.ports.users.save(user)
        self.audit(AuditKind.LOGIN_SUCCEEDED, user.id, address=address)
        return self._sign_in(user)

    def _login_failed(
        self, email: str, address: str | None, user_id: UserId | None, reason: str
    ) -> None:
        if self.throttle is not None:
            self.throttle.failed(email, address)
        self.audit(AuditKind.LOGIN_FAILED, user_id, address=address, email=email, reason=reason)
        raise Unauthenticated(INVALID_CREDENTIALS)

    def audit(
        self,
        kind: AuditKind,
        user_id: UserId | None,
        *,
        actor: User | None = None,
        address: str | None = None,
        **details: str,
    ) -> None:
        """Record a security event in the audit trail."""
        self.ports.audit.record(
            AuditEvent(
                id=self.ports.ids.new_id(),
                at=self.ports.clock.now(),
                kind=kind,
                user_id=user_id,
                actor_id=None if actor is None else actor.id,
                address=address,
                details=details,
            )
        )

    def refresh(self, refresh_token: str) -> SignedIn:
        """Trade a refresh token for a new pair; a reused one revokes all of the user's."""
        claims = self._read(refresh_token, TokenKind.REFRESH, Unauthenticated)
        redemption = self.ports.one_time_tokens.redeem(claims.token_id)
        if redemption is Redemption.ALREADY_USED:
            # Someone replayed a rotated token: the token was stolen from one of the two
            # parties, and we cannot tell which, so sign every session of the user out.
            self.ports.one_time_tokens.revoke(claims.user_id, TokenKind.REFRESH)
            self.audit(AuditKind.REFRESH_REUSE_DETECTED, claims.user_id)
            raise Unauthenticated("Refresh token reuse detected: please sign in again")
        if redemption is Redemption.UNKNOWN:
            raise Unauthenticated(INVALID_TOKEN)
        user = self._current_holder(claims, Unauthenticated)
        return self._sign_in(user)

    def authenticate(self, access_token: str) -> User:
        """The user an access token speaks for, or Unauthenticated."""
        return self.authenticate_until(access_token)[0]

    def authenticate_until(self, access_token: str) -> tuple[User, datetime]:
        """The user an access token speaks for, and when it stops (for long connections)."""
        claims = self._read(access_token, TokenKind.ACCESS, Unauthenticated)
        return self._current_holder(claims, Unauthenticated), claims.expires_at

    def admit(self, user: User) -> User:
        """`user` as stored now, when a trusted host vouches for them instead of a token.

        Unauthenticated if the account is gone or deactivated: the host decides who is
        calling, chatcore still decides whether that account may act.
        """
        current = self.ports.users.get(user.id)
        if current is None or not current.exists or not current.active:
            raise Unauthenticated("Not authenticated")
        return current

    def request_password_reset(self, email: str) -> None:
        """Email a password-reset link; NotFound if no live account has this email."""
        user = self.ports.users.get_by_email(normalize_email(email))
        if user is None:
            raise NotFound("User not found")
        # The link's token and the email carrying it are stored together, or neither is.
        with self.ports.unit_of_work.atomic():
            self.ports.one_time_tokens.revoke(user.id, TokenKind.RESET)
            token = self._issue(TokenKind.RESET, user, remember=True)
            self.audit(AuditKind.PASSWORD_RESET_REQUESTED, user.id)
            self.ports.mailer.send(self.emails.password_reset(user, token.token))

    def reset_password(self, reset_token: str, new_password: str) -> None:
        """Set a new password from a reset link; every earlier token of the user dies."""
        claims = self._read(reset_token, TokenKind.RESET, InvalidInput)
        user = self._current_holder(claims, InvalidInput)
        password_hash = self.ports.hasher.hash(check_password(new_password))
        if self.ports.one_time_tokens.redeem(claims.token_id) is not Redemption.REDEEMED:
            raise InvalidInput(INVALID_TOKEN)
        user.password_hash = password_hash
        user.revoke_tokens()
        user.updated_at = self.ports.clock.now()
        self.ports.users.save(user)
        self.ports.one_time_tokens.revoke(user.id)
        self.audit(AuditKind.PASSWORD_RESET, user.id)

    def verify_email(self, verify_token: str) -> None:
        """Mark the address proven by a verification link; the link works once."""
        claims = self._read(verify_token, TokenKind.VERIFY, InvalidInput)
        user = self._current_holder(claims, InvalidInput)
        if self.ports.one_time_tokens.redeem(claims.token_id) is not Redemption.REDEEMED:
            raise InvalidInput(INVALID_TOKEN)
        user.verified = True
        user.updated_at = self.ports.clock.now()
        self.ports.users.save(user)

    def _sign_in(self, user: User) -> SignedIn:
        return SignedIn(
            user=user,
            access=self._issue(TokenKind.ACCESS, user, remember=False),
            refresh=self._issue(TokenKind.REFRESH, user, remember=True),
        )

    def _issue(self, kind: TokenKind, user: User, *, remember: bool) -> IssuedToken:
        now = self.ports.clock.now()
        claims = TokenClaims(
            kind=kind,
            user_id=user.id,
            token_id=self.ports.ids.new_id(),
            issued_at=now,
            expires_at=now + self.lifetimes.of(kind),
            generation=user.token_generation,
        )
        if remember:
            self.ports.one_time_tokens.add(claims)
        return IssuedToken(token=self.ports.tokens.issue(claims), claims=claims)

    def _read(
        self, token: str, kind: TokenKind, error: type[InvalidInput | Unauthenticated]
    ) -> TokenClaims:
        claims = self.ports.tokens.read(token, kind)
        if claims is None or _expired(claims, self.ports.clock.now()):
            raise error(INVALID_TOKEN)
        return claims

    def _current_holder(
        self, claims: TokenClaims, error: type[InvalidInput | Unauthenticated]
    ) -> User:
        """The user a token was issued to, if that token has not been revoked since."""
        user = self.ports.users.get(claims.user_id)
        if (
            user is None
            or not user.exists
            or not user.active
            or user.token_generation != claims.generation
        ):
            raise error(INVALID_TOKEN)
        return user

    def _decoy(self) -> str:
        if self._decoy_hash is None:
            self._decoy_hash = self.ports.hasher.hash(self.ports.ids.new_id())
        return self._decoy_hash


def _expired(claims: TokenClaims, now: datetime) -> bool:
    return now >= claims.expires_at
