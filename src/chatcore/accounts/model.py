"""The User entity and the rules about accounts: who may see or change whom, and how."""

import re
from datetime import datetime, timedelta
from enum import StrEnum

import attrs

from chatcore.shared.errors import Forbidden, InvalidInput
from chatcore.shared.ids import UserId


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


class Tier(StrEnum):
    FREE = "free"
    PREMIUM = "premium"


USERNAME_FORMAT = re.compile(r"[A-Za-z0-9_.\-]{3,32}")
# WHATWG's "valid email address" (what browsers accept in <input type=email>): printable
# ASCII without quotes or spaces before the @, DNS labels after it, and here at least one
# dot. An address is written into logs and SMTP headers: a control character, a
# bidirectional override or a line break in one would forge what those show. Whether an
# address really exists is what the verification email finds out.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
EMAIL_FORMAT = re.compile(
    rf"[a-z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@{_LABEL}(?:\.{_LABEL})+", re.ASCII | re.IGNORECASE
)
EMAIL_MAX_LENGTH = 254
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
# A login to an unverified account re-sends the link at most this often, so that retries
# do not flood a mailbox (and the links already sent keep working meanwhile).
VERIFICATION_RESEND_INTERVAL = timedelta(minutes=10)


@attrs.define
class User:
    id: UserId
    username: str
    email: str
    password_hash: str
    created_at: datetime
    updated_at: datetime
    role: Role = Role.USER
    tier: Tier = Tier.FREE
    verified: bool = False
    active: bool = True
    deleted_at: datetime | None = None
    # Bumped when every earlier token of the user must stop working (a password or email
    # change, a reset, deactivation, deletion); tokens carry the generation they were
    # issued under.
    token_generation: int = 0
    # A new address asked for by the user themselves: it replaces `email` only once its
    # verification link is used, so a stolen access token cannot move the account away.
    pending_email: str | None = None
    verification_sent_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def exists(self) -> bool:
        return self.deleted_at is None

    def may_manage(self, other: "User") -> bool:
        """Admins manage every account; everyone else only their own."""
        return self.is_admin or self.id == other.id

    def revoke_tokens(self) -> None:
        """Make every token issued to this user so far invalid."""
        self.token_generation += 1
        # Its verification link dies with every other link, so the pending address goes too.
        self.pending_email = None

    def change_password(self, password_hash: str, now: datetime) -> None:
        """Take a new password; every earlier token and link stops working."""
        self.password_hash = password_hash
        self.updated_at = now
        self.revoke_tokens()

    def request_email_change(self, email: str, now: datetime) -> bool:
        """Ask for `email` (canonical); True if it is now pending and needs verifying.

        Asking for the current address again withdraws a pending change.
        """
        self.updated_at = now
        if email == self.email:
            self.pending_email = None
            return False
        self.pending_email = email
        return True

    def change_email(self, email: str, now: datetime) -> bool:
        """An admin's change: `email` applies at once, unverified; True if it changed."""
        if email == self.email:
            return False
        self.email = email
        self.verified = False
        self.updated_at = now
        self.revoke_tokens()
        return True

    def confirm_email(self, address: str, now: datetime) -> str | None:
        """Accept a verification link for `address`; the replaced email if one was.

        InvalidInput if `address` is neither the pending address nor the account's own:
        a link proves one address, and stops working once it is no longer in question.
        """
        if self.pending_email is not None and address == self.pending_email:
            replaced = self.email
            self.email = address
            self.verified = True
            self.updated_at = now
            self.revoke_tokens()
            return replaced
        if address == self.email:
            self.verified = True
            self.updated_at = now
            return None
        raise InvalidInput("Invalid or expired token")

    def restore_email(self, address: str, now: datetime) -> None:
        """Undo an email change: the old address, proven by its owner's click, is back."""
        self.email = address
        self.verified = True
        self.updated_at = now
        self.revoke_tokens()

    def deactivate(self, now: datetime) -> None:
        """Take the account out of service; every token and link stops working."""
        self.active = False
        self.updated_at = now
        self.revoke_tokens()

    def delete(self, now: datetime) -> None:
        """Soft-delete the account; every token and link stops working."""
        self.deleted_at = now
        self.updated_at = now
        self.revoke_tokens()

    def may_resend_verification(self, now: datetime) -> bool:
        """Whether a login may send another verification email now."""
        sent = self.verification_sent_at
        return sent is None or now - sent >= VERIFICATION_RESEND_INTERVAL

    def verification_sent(self, now: datetime) -> None:
        """Remember when the last verification email went out."""
        self.verification_sent_at = now

    def still_signed_in(self, generation: int) -> bool:
        """Whether a sign-in made under token `generation` still stands.

        It falls with the account (deleted or deactivated) and with every revocation of the
        user's tokens since (a password reset, refresh-token reuse, …).
        """
        return self.exists and self.active and self.token_generation == generation


# The person at the command line (`chatcore users …`): an admin no account stands for.
# Audit events name it as the actor by this id, which no real account can have.
OPERATOR_ID = UserId("0" * 24)


def operator(now: datetime) -> User:
    """The operator acting from the command line, as an admin actor of use cases."""
    return User(
        id=OPERATOR_ID,
        username="operator",
        email="operator@localhost",
        password_hash="",
        created_at=now,
        updated_at=now,
        role=Role.ADMIN,
        verified=True,
    )


def normalize_email(email: str) -> str:
    """Emails are compared case-insensitively: keep one canonical form."""
    return email.strip().lower()


def check_email(email: str) -> str:
    """Return the canonical form of a valid email address, or raise InvalidInput."""
    canonical = normalize_email(email)
    if len(canonical) > EMAIL_MAX_LENGTH or not EMAIL_FORMAT.fullmatch(canonical):
        raise InvalidInput("Invalid email address")
    return canonical


def check_username(username: str) -> str:
    """Return the username if it is 3–32 letters, digits, '_', '.' or '-'."""
    if not USERNAME_FORMAT.fullmatch(username):
        raise InvalidInput("Username must be 3-32 characters of letters, digits, '_', '.' or '-'")
    return username


def check_password(password: str) -> str:
    """Return the password if its length is within the allowed range."""
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        raise InvalidInput(
            f"Password must be {PASSWORD_MIN_LENGTH}-{PASSWORD_MAX_LENGTH} characters"
        )
    return password


ADMIN_ONLY_FIELDS = ("role", "tier", "active", "verified")


@attrs.frozen
class UserChanges:
    """A requested change to an account; None leaves a field as it is."""

    username: str | None = None
    email: str | None = None
    password: str | None = None
    current_password: str | None = None
    role: Role | None = None
    tier: Tier | None = None
    active: bool | None = None
    verified: bool | None = None

    def requested(self) -> list[str]:
        """Names of the fields this change sets (current_password only proves identity)."""
        return [
            field.name
            for field in attrs.fields(type(self))
            if field.name != "current_password" and getattr(self, field.name) is not None
        ]

    def check_allowed_for(self, actor: User, target: User) -> None:
        """Raise Forbidden unless `actor` may make this change to `target`."""
        if not actor.may_manage(target):
            raise Forbidden("Access denied")
        if not actor.is_admin:
            refused = [name for name in ADMIN_ONLY_FIELDS if getattr(self, name) is not None]
            if refused:
                raise Forbidden(f"Only an admin may change: {', '.join(refused)}")


def check_registration_allowed(actor: User | None, role: Role, tier: Tier) -> None:
    """Anyone may register a plain free user; only an admin may ask for more."""
    if (role, tier) != (Role.USER, Tier.FREE) and not (actor is not None and actor.is_admin):
        raise Forbidden("Only an admin may create a user with another role or tier")
