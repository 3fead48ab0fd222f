"""Account management: reading, changing and deleting users, by themselves or by admins."""

from collections.abc import Sequence

import attrs

from chatcore.accounts.credentials import Credentials, SignedIn
from chatcore.accounts.emails import AccountEmails
from chatcore.accounts.model import User, UserChanges, check_email
from chatcore.accounts.ports import PasswordHasher, UserRepository
from chatcore.accounts.security_events import SecurityEvents
from chatcore.accounts.sign_in import CurrentPassword
from chatcore.accounts.verification import EmailVerification, check_address_free
from chatcore.chats.ports import SessionDependents, SessionRepository
from chatcore.mail.ports import Mailer
from chatcore.shared.audit import AuditKind
from chatcore.shared.errors import Forbidden, InvalidInput, NotFound
from chatcore.shared.ids import UserId, parse_user_id
from chatcore.shared.ports import Clock
from chatcore.shared.unit_of_work import UnitOfWork

LIST_LIMIT = 1000


@attrs.frozen
class AccountUpdate:
    """The account after a change, and a fresh pair when the caller changed their password."""

    user: User
    signed_in: SignedIn | None = None


@attrs.frozen
class Accounts:
    users: UserRepository
    hasher: PasswordHasher
    mailer: Mailer
    clock: Clock
    # Deleting an account deletes its chats, and what hangs on them, with it.
    sessions: SessionRepository
    session_dependents: Sequence[SessionDependents]
    unit_of_work: UnitOfWork
    credentials: Credentials
    current_password: CurrentPassword
    verification: EmailVerification
    events: SecurityEvents
    emails: AccountEmails = AccountEmails()

    def get(self, actor: User, user_id: str) -> User:
        """A user, as seen by `actor` (an admin, or the user themselves)."""
        return self._target(actor, parse_user_id(user_id))

    def list(self, actor: User, after: str | None, limit: int) -> list[User]:
        """Live accounts in id order, after the id `after`: admins only."""
        if not actor.is_admin:
            raise Forbidden("Access denied")
        if not 1 <= limit <= LIST_LIMIT:
            raise InvalidInput(f"limit must be 1 to {LIST_LIMIT}")
        return self.users.list_live(None if after is None else parse_user_id(after), limit)

    def find(self, actor: User, id_or_email: str) -> User:
        """A live user by id or email, as seen by `actor` (an admin, or themselves)."""
        if "@" not in id_or_email:
            return self.get(actor, id_or_email)
        return self._by_email(actor, id_or_email)

    def update(
        self, actor: User, user_id: str, changes: UserChanges, address: str | None = None
    ) -> AccountUpdate:
        """Apply `changes` to the user with this id; `address` is the caller's."""
        target = self._target(actor, parse_user_id(user_id))
        return self._apply(actor, target, changes, address)

    def update_by_email(
        self, actor: User, email: str, changes: UserChanges, address: str | None = None
    ) -> AccountUpdate:
        """Apply `changes` to the live user with this email; `address` is the caller's."""
        return self._apply(actor, self._by_email(actor, email), changes, address)

    def delete(self, actor: User, user_id: str) -> None:
        """Soft-delete a user, sign them out everywhere, and delete their chats with them."""
        target = self._target(actor, parse_user_id(user_id))
        now = self.clock.now()
        # Half a deletion would leave a signed-out account with live chats, or the reverse.
        with self.unit_of_work.atomic():
            self.users.save(target.delete(now))
            self.credentials.revoke_all(target.id)
            session_ids = self.sessions.mark_deleted_for_user(target.id, now)
            for dependents in self.session_dependents:
                dependents.disable_for_sessions(session_ids, now)
            self.events.record(AuditKind.USER_DELETED, target.id, actor=actor)

    def _by_email(self, actor: User, email: str) -> User:
        canonical = check_email(email)
        if not actor.is_admin and canonical != actor.email:
            raise Forbidden("Access denied")
        target = self.users.get_by_email(canonical)
        if target is None:
            raise NotFound("User not found")
        return target

    def _target(self, actor: User, user_id: UserId) -> User:
        # A non-admin learns nothing about other ids, not even whether they exist.
        if not actor.is_admin and user_id != actor.id:
            raise Forbidden("Access denied")
        user = self.users.get(user_id)
        if user is None or not user.exists:
            raise NotFound("User not found")
        return user

    def _apply(
        self, actor: User, target: User, changes: UserChanges, address: str | None
    ) -> AccountUpdate:
        if not changes.requested():
            raise InvalidInput("No fields to update")
        changes.check_allowed_for(actor, target)
        changes = changes.checked()
        own = actor.id == target.id
        moving = changes.email is not None and changes.email != target.email
        # Whoever changes their own password or address proves they know the password, so
        # that a stolen access token cannot take the account over; an admin acting on
        # someone else's account need not know theirs.
        if own and (changes.password is not None or moving):
            self.current_password.prove(target, changes.current_password, address)
        if moving:
            assert changes.email is not None
            check_address_free(self.users, target, changes.email)
        password_hash = None if changes.password is None else self.hasher.hash(changes.password)
        now = self.clock.now()
        updated = target.apply(changes, password_hash, now, own=own)
        # The owner's new address waits for its link; an admin's applies at once, and
        # then the address it left is told.
        pending = updated.pending_email if own and changes.email is not None else None
        left = target.email if updated.email != target.email else None
        verify = pending is not None or (left is not None and not updated.verified)
        if verify:
            updated = updated.verification_sent(now)
        # The change and the emails it causes are stored together, or none of them is.
        with self.unit_of_work.atomic():
            self.users.save(updated)
            if updated.token_generation != target.token_generation:
                self.credentials.revoke_all(updated.id)
            if verify:
                self.verification.send(updated, pending)
            self._audit_changes(actor, target, updated, password_hash is not None, pending)
            if left is not None:
                self.mailer.send(self.emails.email_changed(updated, left, None))
        fresh = self.credentials.sign_in(updated) if own and password_hash is not None else None
        return AccountUpdate(updated, fresh)

    def _audit_changes(
        self, actor: User, before: User, after: User, password_changed: bool, pending: str | None
    ) -> None:
        for field, kind in _AUDITED.items():
            old, new = getattr(before, field), getattr(after, field)
            if old != new:
                self.events.record(kind, after.id, actor=actor, before=str(old), after=str(new))
        if password_changed:
            self.events.record(AuditKind.PASSWORD_CHANGED, after.id, actor=actor)
        if pending is not None:
            self.events.record(AuditKind.EMAIL_CHANGE_REQUESTED, after.id, actor=actor, to=pending)
        if after.email != before.email:
            self.events.record(
                AuditKind.EMAIL_CHANGED,
                after.id,
                actor=actor,
                before=before.email,
                after=after.email,
            )


_AUDITED = {
    "role": AuditKind.ROLE_CHANGED,
    "tier": AuditKind.TIER_CHANGED,
    "active": AuditKind.ACTIVE_CHANGED,
}
