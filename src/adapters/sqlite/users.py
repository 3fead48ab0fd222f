import sqlite3
from collections.abc import Sequence
from datetime import datetime

from adapters.sqlite import purging
from adapters.sqlite.connection import Connections
from adapters.sqlite.timestamps import entity_times, from_ms_or_none, to_ms, to_ms_or_none
from chatcore.accounts.model import Role, Tier, User
from chatcore.shared.errors import Conflict
from chatcore.shared.ids import UserId

_COLUMNS = (
    "id",
    "username",
    "email",
    "password_hash",
    "role",
    "tier",
    "verified",
    "active",
    "token_generation",
    "created_at",
    "updated_at",
    "deleted_at",
    "pending_email",
    "verification_sent_at",
)
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM users"
_INSERT = (
    f"INSERT INTO users ({', '.join(_COLUMNS)})"
    f" VALUES ({', '.join(':' + column for column in _COLUMNS)})"
)
# Saving a user it never saw stores it, as the in-memory adapter does.
_UPSERT = f"{_INSERT} ON CONFLICT (id) DO UPDATE SET " + ", ".join(
    f"{column} = excluded.{column}" for column in _COLUMNS if column != "id"
)


class SqliteUserRepository:
    """Uniqueness among live users is the partial unique indexes' job: no read-then-write."""

    def __init__(self, connections: Connections) -> None:
        self._connections = connections

    def add(self, user: User) -> None:
        self._write(_INSERT, user)

    def get(self, user_id: UserId) -> User | None:
        row = self._connections.get().execute(f"{_SELECT} WHERE id = ?", (user_id,)).fetchone()
        return _to_user(row) if row is not None else None

    def get_by_email(self, email: str) -> User | None:
        row = (
            self._connections.get()
            .execute(f"{_SELECT} WHERE email = ? AND deleted_at IS NULL", (email,))
            .fetchone()
        )
        return _to_user(row) if row is not None else None

    def save(self, user: User) -> None:
        self._write(_UPSERT, user)

    def list_live(self, after: UserId | None, limit: int) -> list[User]:
        rows = (
            self._connections.get()
            .execute(
                f"{_SELECT} WHERE deleted_at IS NULL AND id > ? ORDER BY id LIMIT ?",
                ("" if after is None else after, limit),
            )
            .fetchall()
        )
        return [_to_user(row) for row in rows]

    def deleted_before(self, cutoff: datetime, limit: int) -> list[UserId]:
        rows = purging.deleted_before(self._connections, "users", cutoff, limit)
        return [UserId(row["id"]) for row in rows]

    def remove(self, user_ids: Sequence[UserId]) -> None:
        purging.delete_where_in(self._connections, "users", "id", user_ids)

    def _write(self, statement: str, user: User) -> None:
        try:
            self._connections.get().execute(statement, _to_row(user))
        except sqlite3.IntegrityError as error:
            conflict = _conflict(error)
            if conflict is None:
                raise
            raise conflict from error


def _conflict(error: sqlite3.IntegrityError) -> Conflict | None:
    # SQLite names the columns of the unique index that failed: "... failed: users.email".
    message = str(error)
    if "users.email" in message:
        return Conflict("Email already registered")
    if "users.username" in message:
        return Conflict("Username already taken")
    return None


def _to_row(user: User) -> dict[str, object]:
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "password_hash": user.password_hash,
        "role": user.role.value,
        "tier": user.tier.value,
        "verified": user.verified,
        "active": user.active,
        "token_generation": user.token_generation,
        "created_at": to_ms(user.created_at),
        "updated_at": to_ms(user.updated_at),
        "deleted_at": to_ms_or_none(user.deleted_at),
        "pending_email": user.pending_email,
        "verification_sent_at": to_ms_or_none(user.verification_sent_at),
    }


_ROLES = {role.value: role for role in Role}
_TIERS = {tier.value: tier for tier in Tier}


def _to_user(row: sqlite3.Row) -> User:
    # By position, enums by dict: every authenticated request reads its caller's row.
    (id_, username, email, password_hash, role, tier, verified, active, token_generation,
     created_ms, updated_ms, deleted_ms, pending_email, verification_sent_ms) = row  # fmt: skip
    created_at, updated_at, deleted_at = entity_times(created_ms, updated_ms, deleted_ms)
    return User(
        id=id_,
        username=username,
        email=email,
        password_hash=password_hash,
        role=_ROLES[role],
        tier=_TIERS[tier],
        verified=bool(verified),
        active=bool(active),
        token_generation=token_generation,
        created_at=created_at,
        updated_at=updated_at,
        deleted_at=deleted_at,
        pending_email=pending_email,
        verification_sent_at=from_ms_or_none(verification_sent_ms),
    )
