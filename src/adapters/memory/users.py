import threading
from collections.abc import Sequence
from datetime import datetime

import attrs

from adapters.memory.journal import Journal
from chatcore.accounts.model import User
from chatcore.shared.errors import Conflict
from chatcore.shared.ids import UserId


class MemoryUserRepository:
    def __init__(self, journal: Journal | None = None) -> None:
        self._users: dict[UserId, User] = {}
        self._lock = threading.Lock()
        self._journal = journal or Journal()

    def add(self, user: User) -> None:
        with self._lock:
            self._check_unique(user)
            self._journal.keep(self._users, user.id, self._lock)
            self._users[user.id] = attrs.evolve(user)

    def get(self, user_id: UserId) -> User | None:
        user = self._users.get(user_id)
        return attrs.evolve(user) if user is not None else None

    def get_by_email(self, email: str) -> User | None:
        with self._lock:
            for user in self._users.values():
                if user.email == email and user.exists:
                    return attrs.evolve(user)
        return None

    def list_live(self, after: UserId | None, limit: int) -> list[User]:
        with self._lock:
            live = sorted(
                (
                    user
                    for user in self._users.values()
                    if user.exists and (after is None or user.id > after)
                ),
                key=lambda user: user.id,
            )
        return [attrs.evolve(user) for user in live[:limit]]

    def save(self, user: User) -> None:
        with self._lock:
            if user.exists:
                self._check_unique(user)
            self._journal.keep(self._users, user.id, self._lock)
            self._users[user.id] = attrs.evolve(user)

    def deleted_before(self, cutoff: datetime, limit: int) -> list[UserId]:
        with self._lock:
            due = [
                user
                for user in self._users.values()
                if user.deleted_at is not None and user.deleted_at < cutoff
            ]
        due.sort(key=lambda user: (user.deleted_at, user.id))
        return [user.id for user in due[:limit]]

    def remove(self, user_ids: Sequence[UserId]) -> None:
        with self._lock:
            for user_id in user_ids:
                self._journal.keep(self._users, user_id, self._lock)
                self._users.pop(user_id, None)

    def _check_unique(self, candidate: User) -> None:
        for user in self._users.values():
            if user.id == candidate.id or not user.exists:
                continue
            if user.email == candidate.email:
                raise Conflict("Email already registered")
            if user.username.lower() == candidate.username.lower():
                raise Conflict("Username already taken")
