"""Authentication, as the edges call it: one facade over signing in, registration,
address verification and password reset (each in a module of its own)."""

from datetime import datetime

import attrs

from chatcore.accounts.credentials import SignedIn
from chatcore.accounts.model import Role, Tier, User
from chatcore.accounts.password_reset import PasswordReset
from chatcore.accounts.registration import Registration
from chatcore.accounts.sign_in import SignIn
from chatcore.accounts.verification import EmailVerification

__all__ = ["Auth", "SignedIn"]


@attrs.frozen
class Auth:
    signing_in: SignIn
    registration: Registration
    verification: EmailVerification
    password_reset: PasswordReset

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
        return self.registration.register(
            username, email, password, role, tier, actor=actor, verified=verified
        )

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
        return self.registration.create_user(
            username, email, password, role, tier, verified=verified
        )

    def login(self, email: str, password: str, address: str | None = None) -> SignedIn:
        """Check the password and open a signed-in session for a verified, active user."""
        return self.signing_in.login(email, password, address)

    def refresh(self, refresh_token: str) -> SignedIn:
        """Trade a refresh token for a new pair; a reused one revokes all of the user's."""
        return self.signing_in.refresh(refresh_token)

    def authenticate(self, access_token: str) -> User:
        """The user an access token speaks for, or Unauthenticated."""
        return self.signing_in.authenticate_until(access_token)[0]

    def authenticate_until(self, access_token: str) -> tuple[User, datetime]:
        """The user an access token speaks for, and when it stops (for long connections)."""
        return self.signing_in.authenticate_until(access_token)

    def admit(self, user: User) -> User:
        """`user` as stored now, when a trusted host vouches for them instead of a token."""
        return self.signing_in.admit(user)

    def verify_email(self, verify_token: str) -> None:
        """Prove the address a verification link was sent to; a pending address takes effect."""
        self.verification.verify_email(verify_token)

    def undo_email_change(self, undo_token: str) -> None:
        """Give an account its old address back from the link sent there; sign it out."""
        self.verification.undo_email_change(undo_token)

    def request_password_reset(self, email: str) -> None:
        """Email a password-reset link; NotFound if no live account has this email."""
        self.password_reset.request(email)

    def reset_password(self, reset_token: str, new_password: str) -> None:
        """Set a new password from a reset link; every earlier token of the user dies."""
        self.password_reset.reset(reset_token, new_password)
