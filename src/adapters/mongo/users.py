from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from adapters.mongo import purging
from adapters.mongo.documents import (
    LIVE,
    Document,
    Documents,
    deletion_fields,
    id_of,
    object_id,
    or_none,
    utc,
    utc_or_none,
)
from chatcore.accounts.model import Role, Tier, User
from chatcore.shared.errors import Conflict
from chatcore.shared.ids import UserId

_TAKEN = {"email": "Email already registered", "username_key": "Username already taken"}


class MongoUserRepository:
    def __init__(self, users: Documents) -> None:
        self._users = users

    def create_indexes(self) -> None:
        for field in _TAKEN:
            # Deleted users keep their row but free their email and username.
            self._users.create_index(
                [(field, ASCENDING)], unique=True, partialFilterExpression=LIVE
            )
        purging.index_deleted(self._users)

    def add(self, user: User) -> None:
        document = _to_document(user)
        with self._conflicts_reported(document):
            self._users.insert_one(document)

    def get(self, user_id: UserId) -> User | None:
        return or_none(self._users.find_one({"_id": object_id(user_id)}), _from_document)

    def get_by_email(self, email: str) -> User | None:
        return or_none(self._users.find_one({"email": email, **LIVE}), _from_document)

    def list_live(self, after: UserId | None, limit: int) -> list[User]:
        query: dict[str, object] = dict(LIVE)
        if after is not None:
            query["_id"] = {"$gt": object_id(after)}
        documents = self._users.find(query).sort("_id", ASCENDING).limit(limit)
        return [_from_document(document) for document in documents]

    def save(self, user: User) -> None:
        document = _to_document(user)
        # A whole-document replace, so the unique indexes judge the new email and username.
        with self._conflicts_reported(document):
            self._users.replace_one({"_id": document["_id"]}, document)

    def deleted_before(self, cutoff: datetime, limit: int) -> list[UserId]:
        documents = purging.deleted_before(self._users, cutoff, limit)
        return [UserId(id_of(document["_id"])) for document in documents]

    def remove(self, user_ids: Sequence[UserId]) -> None:
        purging.delete_ids(self._users, user_ids)

    @contextmanager
    def _conflicts_reported(self, document: Document) -> Iterator[None]:
        try:
            yield
        except DuplicateKeyError as error:
            field = _failed_field(error) or self._taken_field(document)
            if field not in _TAKEN:
                raise
            raise Conflict(_TAKEN[field]) from error

    def _taken_field(self, document: Document) -> str | None:
        """Which unique field another live user holds: for errors that do not say (mongomock)."""
        others = {"_id": {"$ne": document["_id"]}, **LIVE}
        for field in _TAKEN:
            if self._users.find_one({field: document[field], **others}, {"_id": 1}):
                return field
        return None


def _failed_field(error: DuplicateKeyError) -> str | None:
    details: Any = error.details or {}
    pattern = details.get("keyPattern")
    return next(iter(pattern), None) if isinstance(pattern, dict) else None


def _to_document(user: User) -> Document:
    return {
        "_id": object_id(user.id),
        "username": user.username,
        "username_key": user.username.lower(),
        "email": user.email,
        "password_hash": user.password_hash,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
        "role": user.role.value,
        "tier": user.tier.value,
        "verified": user.verified,
        "active": user.active,
        **deletion_fields(user.deleted_at),
        "token_generation": user.token_generation,
        "pending_email": user.pending_email,
        "verification_sent_at": user.verification_sent_at,
    }


def _from_document(document: Document) -> User:
    return User(
        id=UserId(id_of(document["_id"])),
        username=document["username"],
        email=document["email"],
        password_hash=document["password_hash"],
        created_at=utc(document["created_at"]),
        updated_at=utc(document["updated_at"]),
        role=Role(document["role"]),
        tier=Tier(document["tier"]),
        verified=document["verified"],
        active=document["active"],
        deleted_at=utc_or_none(document["deleted_at"]),
        token_generation=document["token_generation"],
        # Documents written before email changes waited for verification lack these.
        pending_email=document.get("pending_email"),
        verification_sent_at=utc_or_none(document.get("verification_sent_at")),
    )
