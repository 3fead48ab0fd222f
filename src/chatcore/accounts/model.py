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


@attrs.frozen
class User:
    """An account. Frozen: every change is a transition that answers the changed user."""

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

    def revoke_tokens(self) -> "User":
        """The user with every token issued so far invalid."""
        # Its verification link dies with every other link, so the pending address goes too.
        return attrs.evolve(self, token_generation=self.token_generation + 1, pending_email=None)

    def rename(self, username: str, now: datetime) -> "User":
        """Take another (checked) username."""
        return attrs.evolve(self, username=username, updated_at=now)

    def change_password(self, password_hash: str, now: datetime) -> "User":
        """Take a new password; every earlier token and link stops working."""
        return attrs.evolve(self, password_hash=password_hash, updated_at=now).revoke_tokens()

    def rehash_password(self, password_hash: str) -> "User":
        """The same password under today's hash parameters: nothing else changes."""
        return attrs.evolve(self, password_hash=password_hash)

    def request_email_change(self, email: str, now: datetime) -> "User":
        """Ask for `email` (canonical): it is pending until its link is used.

        Asking for the current address again withdraws a pending change.
        """
        pending = None if email == self.email else email
        return attrs.evolve(self, pending_email=pending, updated_at=now)

    def change_email(self, email: str, now: datetime) -> "User":
        """An admin's change: `email` applies at once, unverified, and signs the user out."""
        if email == self.email:
            return self
        changed = attrs.evolve(self, email=email, verified=False, updated_at=now)
        return changed.revoke_tokens()

    def confirm_email(self, address: str, now: datetime) -> "User":
        """Accept a verification link for `address`: it is proven, and the email if pending.

        Moving to the pending address signs the user out. InvalidInput if `address` is
        neither the pending address nor the account's own: a link proves one address, and
        stops working once it is no longer in question.
        """
        if self.pending_email is not None and address == self.pending_email:
            moved = attrs.evolve(self, email=address, verified=True, updated_at=now)
            return moved.revoke_tokens()
        if address == self.email:
            return attrs.evolve(self, verified=True, updated_at=now)
        raise InvalidInput("Invalid or expired token")

    def restore_email(self, address: str, now: datetime) -> "User":
        """Undo an email change: the old address, proven by its owner's click, is back."""
        restored = attrs.evolve(self, email=address, verified=True, updated_at=now)
        return restored.revoke_tokens()

    def deactivate(self, now: datetime) -> "User":
        """Take the account out of service; every token and link stops working."""
        return attrs.evolve(self, active=False, updated_at=now).revoke_tokens()

    def activate(self, now: datetime) -> "User":
        """Put a deactivated account back in service (its old tokens stay dead)."""
        return attrs.evolve(self, active=True, updated_at=now)

    def delete(self, now: datetime) -> "User":
        """Soft-delete the account; every token and link stops working."""
        return attrs.evolve(self, deleted_at=now, updated_at=now).revoke_tokens()

    def set_access(
        self, role: Role | None, tier: Tier | None, verified: bool | None, now: datetime
    ) -> "User":
        """An admin's change of role, tier or verified state (None keeps a field)."""
        return attrs.evolve(
            self,
            role=self.role if role is None else role,
            tier=self.tier if tier is None else tier,
            verified=self.verified if verified is None else verified,
            updated_at=now,
        )

    def set_active(self, active: bool, now: datetime) -> "User":
        """Deactivate or activate the account; a no-op when it already is so."""
        if active == self.active:
            return self
        return self.activate(now) if active else self.deactivate(now)

    def apply(
        self, changes: "UserChanges", password_hash: str | None, now: datetime, *, own: bool
    ) -> "User":
        """The account after `changes` (checked), made by its owner (`own`) or an admin.

        `password_hash` is the new password's, when `changes` sets one. The owner's new
        address waits for its link; an admin's applies at once.
        """
        user = self
        if changes.username is not None:
            user = user.rename(changes.username, now)
        # Before the email: a password change drops any pending address with its link.
        if password_hash is not None:
            user = user.change_password(password_hash, now)
        if changes.email is not None:
            if own:
                user = user.request_email_change(changes.email, now)
            else:
                user = user.change_email(changes.email, now)
        user = user.set_access(changes.role, changes.tier, changes.verified, now)
        if changes.active is not None:
            user = user.set_active(changes.active, now)
        return attrs.evolve(user, updated_at=now)

    def may_resend_verification(self, now: datetime) -> bool:
        """Whether a login may send another verification email now."""
        sent = self.verification_sent_at
        return sent is None or now - sent >= VERIFICATION_RESEND_INTERVAL

    def verification_sent(self, now: datetime) -> "User":
        """Remember when the last verification email went out."""
        return attrs.evolve(self, verification_sent_at=now)

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

    def checked(self) -> "UserChanges":
        """The same change with its username, password and email checked (InvalidInput)."""
        return attrs.evolve(
            self,
            username=None if self.username is None else check_username(self.username),
            password=None if self.password is None else check_password(self.password),
            email=None if self.email is None else check_email(self.email),
        )

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
