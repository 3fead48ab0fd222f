"""The emails the domain sends, composed here so every mailer sends the same words."""

import attrs

from chatcore.users import User


@attrs.frozen
class OutgoingEmail:
    to: str
    subject: str
    body: str


@attrs.frozen
class AccountEmails:
    """Composes account emails; every token travels as `token=<TOKEN>` in a link."""

    public_url: str = "http://localhost:8000"

    def _link(self, path: str, token: str) -> str:
        return f"{self.public_url.rstrip('/')}{path}?token={token}"

    def verification(self, user: User, token: str) -> OutgoingEmail:
        """The email that proves `user` owns their address."""
        link = self._link("/auths/verify-email", token)
        return OutgoingEmail(
            to=user.email,
            subject="Verify your email address",
            body=(
                f"Hello {user.username},\n\n"
                f"Confirm your email address by opening this link:\n{link}\n\n"
                "The link works once and expires in 24 hours.\n"
            ),
        )

    def password_reset(self, user: User, token: str) -> OutgoingEmail:
        """The email that lets `user` choose a new password."""
        link = self._link("/auths/reset-password", token)
        return OutgoingEmail(
            to=user.email,
            subject="Reset your password",
            body=(
                f"Hello {user.username},\n\n"
                f"Choose a new password by opening this link:\n{link}\n\n"
                "The link works once and expires in 1 hour. If you did not ask for it, "
                "ignore this email: your password stays as it is.\n"
            ),
        )
