"""Every port of the domain, and `Ports`: one adapter for each, as the composition root picks them.

`Ports` is the one list of the ports: the composition root builds one adapter per field
(`entrypoints.bootstrap`), and `PortOverrides` is checked against it.

Each port is declared in the context that needs it (`chatcore.accounts.ports`,
`chatcore.chats.ports`, …); this module gathers them, so that a host implementing one may
import it from one place, and holds the one list of them all.
"""

import warnings
from collections.abc import Sequence
from typing import Any

import attrs

from chatcore.accounts.ports import (
    FailureCounters,
    Failures,
    NobodyListening,
    OneTimeTokenStore,
    PasswordHasher,
    Redemption,
    SignOutNotices,
    TokenService,
    UserRepository,
)
from chatcore.artifacts.ports import (
    ArtifactFileRepository,
    ArtifactRepository,
    ObjectStore,
    TextExtractor,
    TextJobs,
)
from chatcore.chats.ports import MessageRepository, SessionDependents, SessionRepository
from chatcore.mail.ports import Mailer, MailQueue, MailTransport
from chatcore.repositories.ports import RepositoryFetcher, RepositoryFile, RepositorySnapshot
from chatcore.rooms.ports import RoomBroker as _EdgeRoomBroker
from chatcore.rooms.ports import RoomMessageRepository
from chatcore.search.ports import SearchIndex, SearchSources
from chatcore.shared.ports import AuditLog, Clock, IdGenerator
from chatcore.shared.unit_of_work import SeparateWrites, UnitOfWork
from chatcore.upkeep.ports import PeriodicJobs

__all__ = [
    "ArtifactFileRepository",
    "ArtifactRepository",
    "AuditLog",
    "Clock",
    "FailureCounters",
    "Failures",
    "IdGenerator",
    "MailQueue",
    "MailTransport",
    "Mailer",
    "MessageRepository",
    "NobodyListening",
    "ObjectStore",
    "OneTimeTokenStore",
    "PasswordHasher",
    "PeriodicJobs",
    "Ports",
    "Redemption",
    "RepositoryFetcher",
    "RepositoryFile",
    "RepositorySnapshot",
    "RoomMessageRepository",
    "SearchIndex",
    "SearchSources",
    "SeparateWrites",
    "SessionDependents",
    "SessionRepository",
    "SignOutNotices",
    "TextExtractor",
    "TextJobs",
    "TokenService",
    "UnitOfWork",
    "UserRepository",
]


@attrs.define
class Ports:
    """One adapter for each port, chosen by the composition root."""

    users: UserRepository
    one_time_tokens: OneTimeTokenStore
    tokens: TokenService
    hasher: PasswordHasher
    mailer: Mailer
    clock: Clock
    ids: IdGenerator
    sessions: SessionRepository
    messages: MessageRepository
    room_messages: RoomMessageRepository
    audit: AuditLog
    artifacts: ArtifactRepository
    artifact_files: ArtifactFileRepository
    objects: ObjectStore
    repository_fetcher: RepositoryFetcher
    text_jobs: TextJobs
    text_extractor: TextExtractor
    # The search index, and what existed before it (read once, to catch up).
    search: SearchIndex
    search_sources: SearchSources
    # What a session delete cascades to (the artifact repository); their counts add up.
    session_dependents: Sequence[SessionDependents] = ()
    # Makes a use case's writes one change (the default joins nothing: each write stands).
    unit_of_work: UnitOfWork = attrs.field(factory=lambda: SeparateWrites())
    # Who closes a user's live connections when their sign-ins are revoked.
    sign_outs: SignOutNotices = attrs.field(factory=NobodyListening)


def moved_to_the_edge(module: str, name: str) -> Any:
    """`module`'s attribute `name`, for the names that left the domain (a warning says where)."""
    # The room broker is the HTTP edge's now: no use case takes it. Its Protocol is declared
    # with the rooms, so that this old name needs no import from an outer layer.
    if name == "RoomBroker":
        warnings.warn(
            f"{module}.RoomBroker moved to entrypoints.http.ports: the domain does not use it",
            DeprecationWarning,
            stacklevel=3,
        )
        return _EdgeRoomBroker
    raise AttributeError(f"module {module!r} has no attribute {name!r}")


def __getattr__(name: str) -> Any:
    return moved_to_the_edge(__name__, name)
