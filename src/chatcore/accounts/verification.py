"""Proving addresses: verification links, an email change taking effect, and its undo."""

import attrs

from chatcore.accounts.credentials import INVALID_TOKEN, Credentials
from chatcore.accounts.emails import AccountEmails
from chatcore.accounts.model import User
from chatcore.accounts.ports import OneTimeTokenStore, UserRepository
from chatcore.accounts.security_events import SecurityEvents
from chatcore.accounts.tokens import TokenKind
from chatcore.mail.ports import Mailer
from chatcore.shared.audit import AuditKind
from chatcore.shared.errors import Conflict, InvalidInput
from chatcore.shared.ports import Clock
from chatcore.shared.unit_of_work import UnitOfWork


def check_address_free(users: UserRepository, user: User, address: str) -> None:
    """Conflict if another live account than `user` holds `address`."""
    holder = users.get_by_email(address)
    if holder is not None and holder.id != user.id:
        raise Conflict("Email already registered")


@attrs.frozen
class EmailVerification:
    users: UserRepository
    one_time_tokens: OneTimeTokenStore
    mailer: Mailer
    clock: Clock
    unit_of_work: UnitOfWork
    credentials: Credentials
    events: SecurityEvents
    emails: AccountEmails = AccountEmails()

    def send(self, user: User, address: str | None = None) -> None:
        """Email a link proving `address` (by default the user's email).

        Links sent earlier keep working: the one in the inbox may be the one clicked.
        The caller records `user.verification_sent` with its own save.
        """
        proven = address or user.email
        with self.unit_of_work.atomic():
            token = self.credentials.issue(TokenKind.VERIFY, user, remember=True, email=proven)
            self.mailer.send(self.emails.verification(user, token.token, proven))

    def verify_email(self, verify_token: str) -> None:
        """Mark the address a verification link proves; a pending address takes effect.

        The link works once. When it moves the account to a new address, every earlier
        token dies and the old address is told, with a link to undo the change.
        """
        claims = self.credentials.read(verify_token, TokenKind.VERIFY, InvalidInput)
        user = self.credentials.holder(claims, InvalidInput)
        # Links from before addresses were written into them proved the account's email.
        address = claims.email or user.email
        check_address_free(self.users, user, address)
        confirmed = user.confirm_email(address, self.clock.now())
        # The move, the sign-out and the notice to the old address are one change.
        with self.unit_of_work.atomic():
            self.credentials.redeem(claims)
            self.users.save(confirmed)
            if confirmed.email == user.email:
                return
            self.credentials.revoke_all(confirmed.id)
            undo = self.credentials.issue(
                TokenKind.UNDO_EMAIL_CHANGE, confirmed, remember=True, email=user.email
            )
            self.mailer.send(self.emails.email_changed(confirmed, user.email, undo.token))
            self.events.record(
                AuditKind.EMAIL_CHANGED, user.id, before=user.email, after=confirmed.email
            )

    def undo_email_change(self, undo_token: str) -> None:
        """Give an account its old address back from the link sent there; sign it out."""
        claims = self.credentials.read(undo_token, TokenKind.UNDO_EMAIL_CHANGE, InvalidInput)
        user = self.users.get(claims.user_id)
        # Deliberately no generation check: the resets and password changes a thief makes
        # after moving the account must not cancel its owner's way back.
        if user is None or not user.exists or claims.email is None:
            raise InvalidInput(INVALID_TOKEN)
        check_address_free(self.users, user, claims.email)
        self.credentials.redeem(claims)
        restored = user.restore_email(claims.email, self.clock.now())
        self.users.save(restored)
        self.credentials.revoke_all(restored.id)
        # The other undo links would only move the account again.
        self.one_time_tokens.revoke(restored.id, TokenKind.UNDO_EMAIL_CHANGE)
        self.events.record(
            AuditKind.EMAIL_CHANGE_UNDONE, user.id, before=user.email, after=restored.email
        )
