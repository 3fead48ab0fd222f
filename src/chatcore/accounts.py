"""Account management: reading, changing and deleting users, by themselves or by admins."""

import attrs

from chatcore.audit import AuditKind
from chatcore.auth import Auth
from chatcore.errors import Forbidden, InvalidInput, NotFound
from chatcore.ids import UserId, parse_user_id
from chatcore.ports import Ports
from chatcore.users import User, UserChanges, check_email, check_password, check_username


@attrs.define
class Accounts:
    ports: Ports
    auth: Auth

    def get(self, actor: User, user_id: str) -> User:
        """A user, as seen by `actor` (an admin, or the user themselves)."""
        return self._target(actor, parse_user_id(user_id))

    def update(self, actor: User, user_id: str, changes: UserChanges) -> User:
        """Apply `changes` to the user with this id."""
        return self._apply(actor, self._target(actor, parse_user_id(user_id)), changes)

    def update_by_email(self, actor: User, email: str, changes: UserChanges) -> User:
        """Apply `changes` to the live user with this email."""
        canonical = check_email(email)
        if not actor.is_admin and canonical != actor.email:
            raise Forbidden("Access denied")
        target = self.ports.users.get_by_email(canonical)
        if target is None:
            raise NotFound("User not found")
        return self._apply(actor, target, changes)

    def delete(self, actor: User, user_id: str) -> None:
        """Soft-delete a user, sign them out everywhere, and delete their chats with them."""
        target = self._target(actor, parse_user_id(user_id))
        now = self.ports.clock.now()
        target.deleted_at = now
        target.updated_at = now
        target.revoke_tokens()
        self.ports.users.save(target)
        self.ports.one_time_tokens.revoke(target.id)
        session_ids = self.ports.sessions.mark_deleted_for_user(target.id, now)
        for dependents in self.ports.session_dependents:
            dependents.disable_for_sessions(session_ids, now)
        self.auth.audit(AuditKind.USER_DELETED, target.id, actor=actor)

    def _target(self, actor: User, user_id: UserId) -> User:
        # A non-admin learns nothing about other ids, not even whether they exist.
        if not actor.is_admin and user_id != actor.id:
            raise Forbidden("Access denied")
        user = self.ports.users.get(user_id)
        if user is None or not user.exists:
            raise NotFound("User not found")
        return user

    def _apply(self, actor: User, target: User, changes: UserChanges) -> User:
        requested = changes.requested()
        if not requested:
            raise InvalidInput("No fields to update")
        changes.check_allowed_for(actor, target)
        before = {"role": target.role.value, "tier": target.tier.value, "active": target.active}
        email_changed = False
        if changes.username is not None:
            target.username = check_username(changes.username)
        if changes.email is not None:
            email = check_email(changes.email)
            email_changed = email != target.email
            if email_changed:
                target.email = email
                target.verified = False
        if changes.password is not None:
            self._check_may_change_password(actor, target, changes.current_password)
            target.password_hash = self.ports.hasher.hash(check_password(changes.password))
        if changes.role is not None:
            target.role = changes.role
        if changes.tier is not None:
            target.tier = changes.tier
        if changes.verified is not None:
            target.verified = changes.verified
        if changes.active is not None and changes.active != target.active:
            target.active = changes.active
            if not target.active:
                target.revoke_tokens()
        target.updated_at = self.ports.clock.now()
        # The new address's verification email is queued with the change, or not at all.
        with self.ports.unit_of_work.atomic():
            self.ports.users.save(target)
            if email_changed and not target.verified:
                self.auth.send_verification(target)
        after = {"role": target.role.value, "tier": target.tier.value, "active": target.active}
        for field, kind in _AUDITED.items():
            if before[field] != after[field]:
                self.auth.audit(
                    kind, target.id, actor=actor, before=str(before[field]), after=str(after[field])
                )
        return target

    def _check_may_change_password(
        self, actor: User, target: User, current_password: str | None
    ) -> None:
        # An admin resetting someone else's password need not know it; anyone changing
        # their own must prove it, so a stolen access token cannot take the account over.
        if actor.id != target.id:
            return
        if current_password is None:
            raise InvalidInput("current_password is required to change your password")
        if not self.ports.hasher.verify(target.password_hash, current_password):
            raise Forbidden("current_password is incorrect")


_AUDITED = {
    "role": AuditKind.ROLE_CHANGED,
    "tier": AuditKind.TIER_CHANGED,
    "active": AuditKind.ACTIVE_CHANGED,
}
