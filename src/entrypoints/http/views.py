"""Entities as the API's JSON: users and artifacts say `id`, sessions and messages `_id`;
times end in Z.

Each shape is declared as a typed class (`UserOut`, `SessionOut`, …) beside the function
that makes it: the OpenAPI document reads its schemas off those classes, and the API tests
validate every response they receive against them.
"""

from datetime import datetime
from typing import Any, Literal

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from chatcore.accounts.auth import SignedIn
from chatcore.accounts.model import Role, Tier, User
from chatcore.accounts.tokens import IssuedToken
from chatcore.artifacts.model import Artifact, ArtifactFile, ArtifactStatus, ArtifactType
from chatcore.artifacts.texts import TextStatus
from chatcore.chats.model import ChatSession, Message, MessageRole
from chatcore.shared.ids import ArtifactId, MessageId, SessionId, UserId
from entrypoints.http.openapi.schemas import ABSENT_KEY, METADATA_KEY, absent_when_none


@attrs.frozen
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


@attrs.frozen
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


@attrs.frozen
class SignedInOut(UserOut):
    """The account that signed in, and its tokens."""

    access_token: str
    refresh_token: str
    token_type: Literal["bearer"]
    expires_at: datetime  # when the access token expires


@attrs.frozen
class RefreshedOut:
    """A new pair of tokens; the refresh token sent in is spent."""

    id: UserId
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"]
    expires_at: datetime


@attrs.frozen
class SessionOut:
    """A chat session."""

    _id: SessionId
    user_id: UserId
    title: str
    created_at: datetime
    updated_at: datetime
    message_count: int
    last_message_at: datetime | None


@attrs.frozen
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


@attrs.frozen
class Done:
    """What was done, in words."""

    message: str


@attrs.frozen
class SessionDeletedOut:
    """The session is gone, and this many of its artifacts with it."""

    message: str
    artifacts_disabled: int


@attrs.frozen
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


@attrs.frozen
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


@attrs.frozen
class ArtifactFileOut:
    """One file of an artifact's index."""

    path: str
    size: int = attrs.field(metadata={"schema": {"minimum": 0}})
    type: Literal["file"]


@attrs.frozen
class FileListOut:
    """A page of an artifact's files, sorted by path."""

    files: list[ArtifactFileOut]
    total: int
    limit: int
    offset: int


@attrs.frozen
class TextOut:
    """Part of an artifact's text: `text` from character `offset`, of `total` characters in
    all. Until the text is ready, `text` is empty and `status` says why."""

    artifact_id: ArtifactId
    status: TextStatus
    text: str
    offset: int = attrs.field(metadata={"schema": {"minimum": 0}})
    total: int = attrs.field(metadata={"schema": {"minimum": 0}})


@attrs.frozen
class FileContentOut:
    """One file's content: UTF-8 text as it is, anything else in base64."""

    content: str
    path: str
    size: int
    encoding: Literal["utf-8", "base64"]


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a Z."""
    # Times are UTC, so the offset isoformat writes is always +00:00 (and faster than strftime).
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"


views = cattrs.Converter()
views.register_unstructure_hook(datetime, timestamp)
views.register_unstructure_hook(
    User,
    make_dict_unstructure_fn(
        User,
        views,
        password_hash=override(omit=True),
        deleted_at=override(omit=True),
        token_generation=override(omit=True),
        verification_sent_at=override(omit=True),
        pending_email=override(omit_if_default=True),
    ),
)
views.register_unstructure_hook(
    ChatSession,
    make_dict_unstructure_fn(
        ChatSession,
        views,
        id=override(rename="_id"),
        owner_id=override(rename="user_id"),
        deleted_at=override(omit=True),
    ),
)


def _artifact(artifact: Artifact) -> dict[str, Any]:
    upload, ingestion = artifact.upload, artifact.ingestion
    # Uploads and file indexes live in object storage; JSON text in the database itself.
    stored_as_objects = upload is not None or artifact.has_file_index
    metadata: dict[str, Any] = {
        "storage_type": "object" if stored_as_objects else "inline",
        # A claim by a worker is not the reader's business: until done, it is pending.
        "status": (
            ArtifactStatus.PENDING.value
            if ingestion.status is ArtifactStatus.INGESTING
            else ingestion.status.value
        ),
    }
    if upload is not None:
        metadata["filename"] = upload.filename
        metadata["content_type"] = upload.content_type
    if artifact.has_file_index:
        metadata["files_count"] = ingestion.files_count or 0
    if ingestion.commit is not None:
        metadata["commit"] = ingestion.commit
    if ingestion.error is not None:
        metadata["error"] = ingestion.error
    text = artifact.text
    if text is not None:
        metadata["text_status"] = text.status.public.value
        if text.status is TextStatus.READY:
            metadata["text_truncated"] = text.truncated
        if text.error is not None:
            metadata["text_error"] = text.error
    deleted_at = artifact.deleted_at
    return {
        "id": artifact.id,
        "session_id": artifact.session_id,
        "user_id": artifact.owner_id,
        "type": artifact.type.value,
        "name": artifact.name,
        "source": artifact.source,
        # The index itself is paged at …/files; here only whether there is one.
        "files": [] if artifact.has_file_index else None,
        "content": artifact.content,
        "metadata": metadata,
        "size": artifact.size,
        "created_at": timestamp(artifact.created_at),
        "updated_at": timestamp(artifact.updated_at),
        "deleted": deleted_at is not None,
        "deleted_at": None if deleted_at is None else timestamp(deleted_at),
    }


views.register_unstructure_hook(Artifact, _artifact)


def artifact_view(artifact: Artifact) -> dict[str, Any]:
    return views.unstructure(artifact)  # type: ignore[no-any-return]


def artifact_file_view(file: ArtifactFile) -> dict[str, Any]:
    return views.unstructure(file)  # type: ignore[no-any-return]


def user_view(user: User) -> dict[str, Any]:
    return views.unstructure(user)  # type: ignore[no-any-return]


def session_view(session: ChatSession) -> dict[str, Any]:
    return views.unstructure(session)  # type: ignore[no-any-return]


def message_view(message: Message) -> dict[str, Any]:
    # Written out rather than generated: a page holds up to 1,000 of these, and a live
    # message's created_at and updated_at are one time, formatted once.
    created_at = timestamp(message.created_at)
    deleted_at = message.deleted_at
    return {
        "_id": message.id,
        "session_id": message.session_id,
        "user_id": message.author_id,
        "content": message.content,
        "role": message.role,
        "created_at": created_at,
        "updated_at": (
            created_at
            if message.updated_at == message.created_at
            else timestamp(message.updated_at)
        ),
        "deleted": deleted_at is not None,
        "deleted_at": None if deleted_at is None else timestamp(deleted_at),
    }


def token_fields(signed_in: SignedIn) -> dict[str, Any]:
    """The token half of a login or refresh answer."""
    access: IssuedToken = signed_in.access
    return {
        "access_token": access.token,
        "refresh_token": signed_in.refresh.token,
        "token_type": "bearer",
        "expires_at": timestamp(access.claims.expires_at),
    }
