"""Account management: reading, changing and deleting users, by themselves or by admins."""

from collections.abc import Mapping

import attrs

from chatcore.accounts.auth import Auth, SignedIn
from chatcore.accounts.model import User, UserChanges, check_email, check_password, check_username
from chatcore.ports import Ports
from chatcore.shared.audit import AuditKind
from chatcore.shared.errors import Forbidden, InvalidInput, NotFound
from chatcore.shared.ids import UserId, parse_user_id

LIST_LIMIT = 1000


@attrs.frozen
class AccountUpdate:
    """The account after a change, and a fresh pair when the caller changed their password."""

    user: User
    signed_in: SignedIn | None = None


@attrs.define
class Accounts:
    ports: Ports
    auth: Auth

    def get(self, actor: User, user_id: str) -> User:
        """A user, as seen by `actor` (an admin, or the user themselves)."""
        return self._target(actor, parse_user_id(user_id))

    def list(self, actor: User, after: str | None, limit: int) -> list[User]:
        """Live accounts in id order, after the id `after`: admins only."""
        if not actor.is_admin:
            raise Forbidden("Access denied")
        if not 1 <= limit <= LIST_LIMIT:
            raise InvalidInput(f"limit must be 1 to {LIST_LIMIT}")
        return self.ports.users.list_live(None if after is None else parse_user_id(after), limit)

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
        now = self.ports.clock.now()
        target.delete(now)
        # Half a deletion would leave a signed-out account with live chats, or the reverse.
        with self.ports.unit_of_work.atomic():
            self.ports.users.save(target)
            self.auth.revoke_all(target)
            session_ids = self.ports.sessions.mark_deleted_for_user(target.id, now)
            for dependents in self.ports.session_dependents:
                dependents.disable_for_sessions(session_ids, now)
            self.auth.audit(AuditKind.USER_DELETED, target.id, actor=actor)

    def _by_email(self, actor: User, email: str) -> User:
        canonical = check_email(email)
        if not actor.is_admin and canonical != actor.email:
            raise Forbidden("Access denied")
        target = self.ports.users.get_by_email(canonical)
        if target is None:
            raise NotFound("User not found")
        return target

    def _target(self, actor: User, user_id: UserId) -> User:
        # A non-admin learns nothing about other ids, not even whether they exist.
        if not actor.is_admin and user_id != actor.id:
            raise Forbidden("Access denied")
        user = self.ports.users.get(user_id)
        if user is None or not user.exists:
            raise NotFound("User not found")
        return user

    def _apply(
        self, actor: User, target: User, changes: UserChanges, address: str | None
    ) -> AccountUpdate:
        if not changes.requested():
            raise InvalidInput("No fields to update")
        changes.check_allowed_for(actor, target)
        own = actor.id == target.id
        username = None if changes.username is None else check_username(changes.username)
        password = None if changes.password is None else check_password(changes.password)
        email = None if changes.email is None else check_email(changes.email)
        moving = email is not None and email != target.email
        # Whoever changes their own password or address proves they know the password, so
        # that a stolen access token cannot take the account over; an admin acting on
        # someone else's account need not know theirs.
        if own and (password is not None or moving):
            self.auth.prove_password(target, changes.current_password, address)
        if moving:
            assert email is not None
            self.auth.check_address_free(target, email)
        now = self.ports.clock.now()
        before = {"role": target.role.value, "tier": target.tier.value, "active": target.active}
        signed_out = False
        if username is not None:
            target.username = username
        # Before the email: a password change drops any pending address with its link.
        if password is not None:
            target.change_password(self.ports.hasher.hash(password), now)
            signed_out = True
        pending = None
        left = None
        if email is not None and own:
            pending = email if target.request_email_change(email, now) else None
        elif email is not None and moving:
            left = target.email
            target.change_email(email, now)
            signed_out = True
        if changes.role is not None:
            target.role = changes.role
        if changes.tier is not None:
            target.tier = changes.tier
        if changes.verified is not None:
            target.verified = changes.verified
        if changes.active is not None and changes.active != target.active:
            if changes.active:
                target.active = True
            else:
                target.deactivate(now)
                signed_out = True
        verify = pending is not None or (left is not None and not target.verified)
        if verify:
            target.verification_sent(now)
        target.updated_at = now
        # The change and the emails it causes are stored together, or none of them is.
        with self.ports.unit_of_work.atomic():
            self.ports.users.save(target)
            if signed_out:
                self.auth.revoke_all(target)
            if verify:
                self.auth.send_verification(target, pending)
            self._audit_changes(actor, target, before, password is not None, pending, left)
            if left is not None:
                self.ports.mailer.send(self.auth.emails.email_changed(target, left, None))
        fresh = self.auth.sign_in(target) if own and password is not None else None
        return AccountUpdate(target, fresh)

    def _audit_changes(
        self,
        actor: User,
        target: User,
        before: Mapping[str, object],
        password_changed: bool,
        pending: str | None,
        left: str | None,
    ) -> None:
        after = {"role": target.role.value, "tier": target.tier.value, "active": target.active}
        for field, kind in _AUDITED.items():
            if before[field] != after[field]:
                self.auth.audit(
                    kind, target.id, actor=actor, before=str(before[field]), after=str(after[field])
                )
        if password_changed:
            self.auth.audit(AuditKind.PASSWORD_CHANGED, target.id, actor=actor)
        if pending is not None:
            self.auth.audit(AuditKind.EMAIL_CHANGE_REQUESTED, target.id, actor=actor, to=pending)
        if left is not None:
            self.auth.audit(
                AuditKind.EMAIL_CHANGED, target.id, actor=actor, before=left, after=target.email
            )


_AUDITED = {
    "role": AuditKind.ROLE_CHANGED,
    "tier": AuditKind.TIER_CHANGED,
    "active": AuditKind.ACTIVE_CHANGED,
}
