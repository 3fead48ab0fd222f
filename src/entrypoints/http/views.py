"""Entities as the API's JSON: users and artifacts say `id`, sessions and messages `_id`;
times end in Z.

Each answer is a typed class (`UserOut`, `SessionOut`, …) made from its entity by the
class itself (`SessionOut.of(session)`); the one converter (`converter.py`) turns it into
JSON, the OpenAPI document reads its schema off the same class, and the API tests
validate every response they receive against that schema.

The classes are plain attrs classes, not frozen ones: an answer is made, encoded and
dropped within one request, and a frozen class sets each field through
`object.__setattr__`, 3.5 times the cost of its `__init__`, on every message of a page.
"""

from datetime import datetime
from typing import Any, Literal, Self, cast

import attrs

from chatcore.accounts.accounts import AccountUpdate
from chatcore.accounts.auth import SignedIn
from chatcore.accounts.model import Role, Tier, User
from chatcore.artifacts.library import FileContent, TextSlice
from chatcore.artifacts.model import Artifact, ArtifactFile, ArtifactStatus, ArtifactType, FilePage
from chatcore.artifacts.texts import TextStatus
from chatcore.chats.model import ChatSession, Message, MessageRole
from chatcore.shared.ids import ArtifactId, MessageId, SessionId, UserId
from entrypoints.http.converter import unstructure
from entrypoints.http.openapi.schemas import ABSENT_KEY, METADATA_KEY, absent_when_none


@attrs.define
class UserOut:
    """An account, as its owner and admins see it."""

    id: UserId
    username: str
    email: str
    created_at: datetime
    updated_at: datetime
    role: Role
    tier: Tier
    verified: bool
    active: bool
    # As absent_when_none, but keyword-only: the classes extending this one add required
    # fields after it.
    pending_email: str | None = attrs.field(
        default=None,
        kw_only=True,
        metadata={
            ABSENT_KEY: True,
            METADATA_KEY: {"description": "a new email waiting for its verification link"},
        },
    )

    @classmethod
    def of(cls, user: User) -> Self:
        return cls(**_account(user))


def _account(user: User) -> dict[str, Any]:
    """The fields of a UserOut by name; the classes extending it add their own."""
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
        "role": user.role,
        "tier": user.tier,
        "verified": user.verified,
        "active": user.active,
        "pending_email": user.pending_email,
    }


@attrs.define
class UpdatedUserOut(UserOut):
    """The account after the change; changing one's own password also signs in afresh
    (every earlier token of the account stopped working)."""

    access_token: str | None = absent_when_none(description="own password changes only")
    refresh_token: str | None = absent_when_none(description="own password changes only")
    token_type: Literal["bearer"] | None = absent_when_none()
    # absent_when_none builds an attrs field, not a shared mutable default.
    expires_at: datetime | None = absent_when_none(  # noqa: RUF009
        description="when the access token expires"
    )

    @classmethod
    def of_update(cls, update: AccountUpdate) -> Self:
        user, signed_in = update.user, update.signed_in
        if signed_in is None:
            return cls(**_account(user))
        return cls(
            **_account(user),
            access_token=signed_in.access.token,
            refresh_token=signed_in.refresh.token,
            token_type="bearer",
            expires_at=signed_in.access.claims.expires_at,
        )


@attrs.define
class SignedInOut(UserOut):
    """The account that signed in, and its tokens."""

    access_token: str
    refresh_token: str
    token_type: Literal["bearer"]
    expires_at: datetime  # when the access token expires

    @classmethod
    def of_sign_in(cls, signed_in: SignedIn) -> Self:
        user = signed_in.user
        return cls(
            **_account(user),
            access_token=signed_in.access.token,
            refresh_token=signed_in.refresh.token,
            token_type="bearer",
            expires_at=signed_in.access.claims.expires_at,
        )


@attrs.define
class RefreshedOut:
    """A new pair of tokens; the refresh token sent in is spent."""

    id: UserId
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"]
    expires_at: datetime

    @classmethod
    def of(cls, signed_in: SignedIn) -> Self:
        access = signed_in.access
        return cls(
            signed_in.user.id,
            access.token,
            signed_in.refresh.token,
            "bearer",
            access.claims.expires_at,
        )


@attrs.define
class SessionOut:
    """A chat session."""

    _id: SessionId
    user_id: UserId
    title: str
    created_at: datetime
    updated_at: datetime
    message_count: int
    last_message_at: datetime | None

    @classmethod
    def of(cls, session: ChatSession) -> Self:
        return cls(
            session.id,
            session.owner_id,
            session.title,
            session.created_at,
            session.updated_at,
            session.message_count,
            session.last_message_at,
        )


@attrs.define
class MessageOut:
    """A message in a chat session."""

    _id: MessageId
    session_id: SessionId
    user_id: UserId
    content: str
    role: MessageRole
    created_at: datetime
    updated_at: datetime
    deleted: bool
    deleted_at: datetime | None

    @classmethod
    def of(cls, message: Message) -> Self:
        deleted_at = message.deleted_at
        return cls(
            message.id,
            message.session_id,
            message.author_id,
            message.content,
            message.role,
            message.created_at,
            message.updated_at,
            deleted_at is not None,
            deleted_at,
        )


@attrs.define
class ErrorBody:
    """Every error but the 422: what went wrong, in words."""

    detail: str


@attrs.define
class Done:
    """What was done, in words."""

    message: str


@attrs.define
class SessionDeletedOut:
    """The session is gone, and this many of its artifacts with it."""

    message: str
    artifacts_disabled: int


@attrs.define
class ArtifactMetadataOut:
    """Where an artifact's bytes are and how its ingestion went; keys without a value are
    left out."""

    storage_type: Literal["object", "inline"]  # object storage, or the database itself
    status: ArtifactStatus
    filename: str | None = absent_when_none(description="uploads: the file's name")
    content_type: str | None = absent_when_none(description="uploads: the file's type")
    files_count: int | None = absent_when_none(
        minimum=0, description="archives and repositories: how many files the index holds"
    )
    commit: str | None = absent_when_none(description="repositories: the commit fetched")
    error: str | None = absent_when_none(description="why ingestion failed")
    # absent_when_none builds an attrs field, not a shared mutable default.
    text_status: TextStatus | None = absent_when_none(  # noqa: RUF009
        description="pdf, doc and text artifacts: where their text stands (see …/text)"
    )
    text_truncated: bool | None = absent_when_none(
        description="the text was cut at the limit (CHATCORE_TEXT_MAX_CHARS)"
    )
    text_error: str | None = absent_when_none(description="why there is no text")

    @classmethod
    def of(cls, artifact: Artifact) -> Self:
        upload, ingestion, indexed = artifact.upload, artifact.ingestion, artifact.has_file_index
        text = artifact.text
        return cls(
            # Uploads and file indexes live in object storage; JSON text in the database.
            "object" if upload is not None or indexed else "inline",
            # A claim by a worker is not the reader's business: until done, it is pending.
            (
                ArtifactStatus.PENDING
                if ingestion.status is ArtifactStatus.INGESTING
                else ingestion.status
            ),
            None if upload is None else upload.filename,
            None if upload is None else upload.content_type,
            (ingestion.files_count or 0) if indexed else None,
            ingestion.commit,
            ingestion.error,
            # Claimed by a worker is pending too, as for ingestion.
            None if text is None else text.status.public,
            text.truncated if text is not None and text.status is TextStatus.READY else None,
            None if text is None else text.error,
        )


@attrs.define
class ArtifactOut:
    """What a session is about: an upload, a text, or a repository."""

    id: ArtifactId
    session_id: SessionId
    user_id: UserId
    type: ArtifactType
    name: str
    source: str | None
    # Archives and repositories: [] (their index is paged at …/files); others: null.
    files: list[Any] | None = attrs.field(metadata={"schema": {"maxItems": 0}})
    content: str | None
    metadata: ArtifactMetadataOut
    size: int | None
    created_at: datetime
    updated_at: datetime
    deleted: bool
    deleted_at: datetime | None

    @classmethod
    def of(cls, artifact: Artifact) -> Self:
        deleted_at = artifact.deleted_at
        return cls(
            artifact.id,
            artifact.session_id,
            artifact.owner_id,
            artifact.type,
            artifact.name,
            artifact.source,
            # The index itself is paged at …/files; here only whether there is one.
            [] if artifact.has_file_index else None,
            artifact.content,
            ArtifactMetadataOut.of(artifact),
            artifact.size,
            artifact.created_at,
            artifact.updated_at,
            deleted_at is not None,
            deleted_at,
        )


@attrs.define
class ArtifactFileOut:
    """One file of an artifact's index."""

    path: str
    size: int = attrs.field(metadata={"schema": {"minimum": 0}})
    type: Literal["file"]

    @classmethod
    def of(cls, file: ArtifactFile) -> Self:
        return cls(file.path, file.size, cast(Literal["file"], file.type))


@attrs.define
class FileListOut:
    """A page of an artifact's files, sorted by path."""

    files: list[ArtifactFileOut]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: FilePage, limit: int, offset: int) -> Self:
        return cls([ArtifactFileOut.of(file) for file in page.files], page.total, limit, offset)


@attrs.define
class TextOut:
    """Part of an artifact's text: `text` from character `offset`, of `total` characters in
    all. Until the text is ready, `text` is empty and `status` says why."""

    artifact_id: ArtifactId
    status: TextStatus
    text: str
    offset: int = attrs.field(metadata={"schema": {"minimum": 0}})
    total: int = attrs.field(metadata={"schema": {"minimum": 0}})

    @classmethod
    def of(cls, part: TextSlice) -> Self:
        return cls(part.artifact_id, part.status, part.text, part.offset, part.total)


@attrs.define
class FileContentOut:
    """One file's content: UTF-8 text as it is, anything else in base64."""

    content: str
    path: str
    size: int
    encoding: Literal["utf-8", "base64"]

    @classmethod
    def of(cls, file: FileContent) -> Self:
        encoding = cast(Literal["utf-8", "base64"], file.encoding)
        return cls(file.content, file.path, file.size, encoding)


def user_view(user: User) -> dict[str, Any]:
    """An account as the API shows it, for the command line's JSON output."""
    return cast(dict[str, Any], unstructure(UserOut.of(user)))
