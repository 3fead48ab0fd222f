"""Authentication use cases: registration, login, token refresh, verification and reset."""

from datetime import datetime

import attrs

from chatcore.accounts.emails import AccountEmails
from chatcore.accounts.model import (
    VERIFICATION_RESEND_INTERVAL,
    Role,
    Tier,
    User,
    check_email,
    check_password,
    check_registration_allowed,
    check_username,
    normalize_email,
)
from chatcore.accounts.ports import Redemption
from chatcore.accounts.throttle import LoginThrottle
from chatcore.accounts.tokens import IssuedToken, TokenClaims, TokenKind, TokenLifetimes
from chatcore.ports import Ports
from chatcore.shared.audit import AuditEvent, AuditKind
from chatcore.shared.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unauthenticated,
)
from chatcore.shared.ids import UserId

INVALID_CREDENTIALS = "Incorrect email or password"
INVALID_TOKEN = "Invalid or expired token"
VERIFICATION_RESEND_MINUTES = int(VERIFICATION_RESEND_INTERVAL.total_seconds() // 60)
# Every one-time link of an account but the undo links (see Auth.revoke_all).
_REVOKED_WITH_THE_SESSIONS = (TokenKind.REFRESH, TokenKind.RESET, TokenKind.VERIFY)


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
        if not verified:
            user.verification_sent(now)
        # The account and its verification email are stored together, or neither is.
        with self.ports.unit_of_work.atomic():
            self.ports.users.add(user)
            if not verified:
                self.send_verification(user)
        return user

    def send_verification(self, user: User, address: str | None = None) -> None:
        """Email a link proving `address` (by default the user's email).

        Links sent earlier keep working: the one in the inbox may be the one clicked.
        The caller records `user.verification_sent` with its own save.
        """
        proven = address or user.email
        with self.ports.unit_of_work.atomic():
            token = self._issue(TokenKind.VERIFY, user, remember=True, email=proven)
            self.ports.mailer.send(self.emails.verification(user, token.token, proven))

    def revoke_all(self, user: User) -> None:
        """Sign `user` out everywhere, once their rule has bumped and saved their generation.

        Access and refresh tokens die by the generation; here every outstanding one-time
        link dies with them. Undo links are the exception: a thief who resets the password
        of an account they moved must not be able to cancel the owner's way back.
        """
        for kind in _REVOKED_WITH_THE_SESSIONS:
            self.ports.one_time_tokens.revoke(user.id, kind)
        # The open room sockets go too: their tokens were checked only when they opened.
        self.ports.sign_outs.signed_out(user.id)

    def prove_password(self, user: User, password: str | None, address: str | None) -> None:
        """Forbidden unless `password` is `user`'s; guesses count as failed logins."""
        if self.throttle is not None:
            try:
                self.throttle.check(user.email, address)
            except TooManyRequests:
                self.audit(
                    AuditKind.LOGIN_THROTTLED, user.id, address=address, via="current_password"
                )
                raise
        if password is None or not self.ports.hasher.verify(user.password_hash, password):
            # A stolen access token must not become an unlimited password oracle.
            if self.throttle is not None:
                self.throttle.failed(user.email, address)
            reason = "missing" if password is None else "wrong"
            self.audit(AuditKind.CURRENT_PASSWORD_REJECTED, user.id, address=address, reason=reason)
            raise Forbidden(
                "current_password is required"
                if password is None
                else "current_password is incorrect"
            )
        if self.throttle is not None:
            self.throttle.succeeded(user.email, address)

    def sign_in(self, user: User) -> SignedIn:
        """A fresh pair of tokens for `user`, issued under their current generation."""
        return self._sign_in(user)

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
            # Without this, a lost or expired verification email would be a dead end; the
            # interval keeps a client retrying its login from flooding the mailbox.
            now = self.ports.clock.now()
            if not user.may_resend_verification(now):
                raise Forbidden(
                    "Email not verified: a verification email was sent less than "
                    f"{VERIFICATION_RESEND_MINUTES} minutes ago and has not been sent again"
                )
            user.verification_sent(now)
            with self.ports.unit_of_work.atomic():
                self.ports.users.save(user)
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
            # parties, and we cannot tell which, so sign every session of the user out:
            # their access tokens too, or the thief keeps an hour of access.
            user = self.ports.users.get(claims.user_id)
            if user is not None and user.exists:
                user.revoke_tokens()
                self.ports.users.save(user)
                self.revoke_all(user)
            else:
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
        user.change_password(password_hash, self.ports.clock.now())
        self.ports.users.save(user)
        self.revoke_all(user)
        self.audit(AuditKind.PASSWORD_RESET, user.id)

    def verify_email(self, verify_token: str) -> None:
        """Mark the address a verification link proves; a pending address takes effect.

        The link works once. When it moves the account to a new address, every earlier
        token dies and the old address is told, with a link to undo the change.
        """
        claims = self._read(verify_token, TokenKind.VERIFY, InvalidInput)
        user = self._current_holder(claims, InvalidInput)
        # Links from before addresses were written into them proved the account's email.
        address = claims.email or user.email
        self.check_address_free(user, address)
        now = self.ports.clock.now()
        replaced = user.confirm_email(address, now)
        # The move, the sign-out and the notice to the old address are one change.
        with self.ports.unit_of_work.atomic():
            if self.ports.one_time_tokens.redeem(claims.token_id) is not Redemption.REDEEMED:
                raise InvalidInput(INVALID_TOKEN)
            self.ports.users.save(user)
            if replaced is None:
                return
            self.revoke_all(user)
            undo = self._issue(TokenKind.UNDO_EMAIL_CHANGE, user, remember=True, email=replaced)
            self.ports.mailer.send(self.emails.email_changed(user, replaced, undo.token))
            self.audit(AuditKind.EMAIL_CHANGED, user.id, before=replaced, after=user.email)

    def undo_email_change(self, undo_token: str) -> None:
        """Give an account its old address back from the link sent there; sign it out."""
        claims = self._read(undo_token, TokenKind.UNDO_EMAIL_CHANGE, InvalidInput)
        user = self.ports.users.get(claims.user_id)
        # Deliberately no generation check: the resets and password changes a thief makes
        # after moving the account must not cancel its owner's way back.
        if user is None or not user.exists or claims.email is None:
            raise InvalidInput(INVALID_TOKEN)
        self.check_address_free(user, claims.email)
        if self.ports.one_time_tokens.redeem(claims.token_id) is not Redemption.REDEEMED:
            raise InvalidInput(INVALID_TOKEN)
        moved_to = user.email
        user.restore_email(claims.email, self.ports.clock.now())
        self.ports.users.save(user)
        self.revoke_all(user)
        # The other undo links would only move the account again.
        self.ports.one_time_tokens.revoke(user.id, TokenKind.UNDO_EMAIL_CHANGE)
        self.audit(AuditKind.EMAIL_CHANGE_UNDONE, user.id, before=moved_to, after=user.email)

    def check_address_free(self, user: User, address: str) -> None:
        """Conflict if another live account holds `address`."""
        holder = self.ports.users.get_by_email(address)
        if holder is not None and holder.id != user.id:
            raise Conflict("Email already registered")

    def _sign_in(self, user: User) -> SignedIn:
        return SignedIn(
            user=user,
            access=self._issue(TokenKind.ACCESS, user, remember=False),
            refresh=self._issue(TokenKind.REFRESH, user, remember=True),
        )

    def _issue(
        self, kind: TokenKind, user: User, *, remember: bool, email: str | None = None
    ) -> IssuedToken:
        now = self.ports.clock.now()
        claims = TokenClaims(
            kind=kind,
            user_id=user.id,
            token_id=self.ports.ids.new_id(),
            issued_at=now,
            expires_at=now + self.lifetimes.of(kind),
            generation=user.token_generation,
            email=email,
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
        if user is None or not user.still_signed_in(claims.generation):
            raise error(INVALID_TOKEN)
        return user

    def _decoy(self) -> str:
        if self._decoy_hash is None:
            self._decoy_hash = self.ports.hasher.hash(self.ports.ids.new_id())
        return self._decoy_hash


def _expired(claims: TokenClaims, now: datetime) -> bool:
    return now >= claims.expires_at
