"""The emails the accounts context sends, composed here so every mailer sends the same words."""

from datetime import timedelta

import attrs

from chatcore.accounts.model import User
from chatcore.accounts.tokens import TokenLifetimes
from chatcore.mail.model import OutgoingEmail


@attrs.frozen
class AccountEmails:
    """Composes account emails; every token travels as `token=<TOKEN>` in a link."""

    public_url: str = "http://localhost:8000"
    # What the texts promise about a link's life; ChatCore sets the lifetimes it issues with.
    lifetimes: TokenLifetimes = TokenLifetimes()

    def _link(self, path: str, token: str) -> str:
        return f"{self.public_url.rstrip('/')}{path}?token={token}"

    def verification(self, user: User, token: str, address: str | None = None) -> OutgoingEmail:
        """The email that proves `user` owns `address` (by default their current email)."""
        link = self._link("/auths/verify-email", token)
        return OutgoingEmail(
            to=address or user.email,
            subject="Verify your email address",
            body=(
                f"Hello {user.username},\n\n"
                f"Confirm your email address by opening this link:\n{link}\n\n"
                f"The link works once and expires in {_duration(self.lifetimes.verify)}.\n"
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
                f"The link works once and expires in {_duration(self.lifetimes.reset)}. "
                "If you did not ask for it, ignore this email: your password stays as it is.\n"
            ),
        )

    def email_changed(self, user: User, old_address: str, undo_token: str | None) -> OutgoingEmail:
        """The notice to the address an account just left, with a link to undo the change."""
        if undo_token is None:
            # An admin made the change: there is nothing for the old address to undo.
            action = "An administrator made this change. If you did not expect it, contact them.\n"
        else:
            link = self._link("/auths/undo-email-change", undo_token)
            action = (
                "If you did not make this change, undo it by opening this link:\n"
                f"{link}\n\n"
                "Undoing it restores this address and signs every session of the account "
                f"out. The link works once and expires in "
                f"{_duration(self.lifetimes.undo_email_change)}; then choose a new password.\n"
            )
        return OutgoingEmail(
            to=old_address,
            subject="Your email address was changed",
            body=(
                f"Hello {user.username},\n\n"
                f"The email address of your account is now {user.email} instead of "
                f"{old_address}.\n\n{action}"
            ),
        )


def _duration(span: timedelta) -> str:
    """A lifetime in the largest whole unit: "7 days", "24 hours" (a day reads better so)."""
    seconds = int(span.total_seconds())
    for unit, size, least in (("day", 86400, 2), ("hour", 3600, 1), ("minute", 60, 1)):
        if seconds % size == 0 and seconds >= least * size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"
