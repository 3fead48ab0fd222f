"""Registration: new accounts, by anyone for themselves, by an admin, or by the operator."""

import attrs

from chatcore.accounts.model import (
    Role,
    Tier,
    User,
    check_email,
    check_password,
    check_registration_allowed,
    check_username,
)
from chatcore.accounts.ports import PasswordHasher, UserRepository
from chatcore.accounts.verification import EmailVerification
from chatcore.shared.errors import Forbidden
from chatcore.shared.ids import UserId
from chatcore.shared.ports import Clock, IdGenerator
from chatcore.shared.unit_of_work import UnitOfWork


@attrs.frozen
class Registration:
    users: UserRepository
    hasher: PasswordHasher
    ids: IdGenerator
    clock: Clock
    unit_of_work: UnitOfWork
    verification: EmailVerification

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
        now = self.clock.now()
        user = User(
            id=UserId(self.ids.new_id()),
            username=check_username(username),
            email=check_email(email),
            password_hash=self.hasher.hash(check_password(password)),
            created_at=now,
            updated_at=now,
            role=role,
            tier=tier,
            verified=verified,
        )
        if not verified:
            user = user.verification_sent(now)
        # The account and its verification email are stored together, or neither is.
        with self.unit_of_work.atomic():
            self.users.add(user)
            if not verified:
                self.verification.send(user)
        return user
