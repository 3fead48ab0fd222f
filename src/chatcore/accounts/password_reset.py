"""Password reset: a link by email, then a new password that signs the account out."""

import attrs

from chatcore.accounts.credentials import Credentials
from chatcore.accounts.emails import AccountEmails
from chatcore.accounts.model import check_password, normalize_email
from chatcore.accounts.ports import OneTimeTokenStore, PasswordHasher, UserRepository
from chatcore.accounts.security_events import SecurityEvents
from chatcore.accounts.tokens import TokenKind
from chatcore.mail.ports import Mailer
from chatcore.shared.audit import AuditKind
from chatcore.shared.errors import InvalidInput, NotFound
from chatcore.shared.ports import Clock
from chatcore.shared.unit_of_work import UnitOfWork


@attrs.frozen
class PasswordReset:
    users: UserRepository
    one_time_tokens: OneTimeTokenStore
    hasher: PasswordHasher
    mailer: Mailer
    clock: Clock
    unit_of_work: UnitOfWork
    credentials: Credentials
    events: SecurityEvents
    emails: AccountEmails = AccountEmails()

    def request(self, email: str) -> None:
        """Email a password-reset link; NotFound if no live account has this email."""
        user = self.users.get_by_email(normalize_email(email))
        if user is None:
            raise NotFound("User not found")
        # The link's token and the email carrying it are stored together, or neither is.
        with self.unit_of_work.atomic():
            self.one_time_tokens.revoke(user.id, TokenKind.RESET)
            token = self.credentials.issue(TokenKind.RESET, user, remember=True)
            self.events.record(AuditKind.PASSWORD_RESET_REQUESTED, user.id)
            self.mailer.send(self.emails.password_reset(user, token.token))

    def reset(self, reset_token: str, new_password: str) -> None:
        """Set a new password from a reset link; every earlier token of the user dies."""
        claims = self.credentials.read(reset_token, TokenKind.RESET, InvalidInput)
        user = self.credentials.holder(claims, InvalidInput)
        password_hash = self.hasher.hash(check_password(new_password))
        self.credentials.redeem(claims)
        self.users.save(user.change_password(password_hash, self.clock.now()))
        self.credentials.revoke_all(user.id)
        self.events.record(AuditKind.PASSWORD_RESET, user.id)
