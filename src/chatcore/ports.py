"""The ports: what the domain needs from the outside world, as Protocols it owns.

Adapters implement them; `Ports` bundles one implementation of each for the use cases.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, BinaryIO, Protocol

import attrs

from chatcore.artifacts import (
    Artifact,
    ArtifactFile,
    ArtifactStatus,
    Claim,
    FilePage,
    Ingestion,
)
from chatcore.audit import AuditEvent, AuditQuery
from chatcore.chats import ChatSession, Message
from chatcore.ids import ArtifactId, MessageId, RoomMessageId, SessionId, UserId
from chatcore.mail import OutgoingEmail
from chatcore.outbox import QueuedEmail
from chatcore.paging import Position
from chatcore.rate_limits import Rate
from chatcore.repository_limits import RepositoryLimits
from chatcore.rooms import RoomMessage
from chatcore.tokens import TokenClaims, TokenKind
from chatcore.users import User

if TYPE_CHECKING:
    from chatcore.login_throttle import Failures


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC, to the millisecond."""
        ...


class IdGenerator(Protocol):
    def new_id(self) -> str:
        """A fresh 24-hex-character id; ids made later compare greater (as strings)."""
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with weaker parameters than today's."""
        ...


class TokenService(Protocol):
    def issue(self, claims: TokenClaims) -> str:
        """Sign `claims` into an opaque token string."""
        ...

    def read(self, token: str, kind: TokenKind) -> TokenClaims | None:
        """The claims of a genuine token of `kind`, or None. Expiry is the caller's to judge."""
        ...


class Mailer(Protocol):
    def send(self, email: OutgoingEmail) -> None:
        """Deliver `email`, or record why it could not be; never raise for delivery."""
        ...


class MailTransport(Protocol):
    """What hands an email to the world (an SMTP server, the log): the outbox's far end."""

    def deliver(self, email: OutgoingEmail, key: str) -> None:
        """Hand `email` over; return only once it was accepted, else raise MailNotDelivered.

        `key` is the same on every try of one queued email (the SMTP adapter builds the
        Message-ID from it), so a receiver can recognise a copy sent twice.
        """
        ...


class MailQueue(Protocol):
    """The outbox: emails kept durably until a sender has delivered or given them up.

    Claims are leases, as for repository ingestion: every change after a claim is fenced
    by its `owner`, so several senders (in any processes sharing the database) never both
    hold one email.
    """

    def enqueue(self, email: QueuedEmail) -> None:
        """Keep a new pending email; inside a unit of work, it commits with it."""
        ...

    def get(self, email_id: str) -> QueuedEmail | None: ...

    def depth(self) -> int:
        """How many emails are still to deliver (pending or being sent): the backlog."""
        ...

    def claim_next(self, owner: str, at: datetime, until: datetime) -> QueuedEmail | None:
        """Claim the email due soonest with `due_at` at or before `at`, for `owner` until `until`.

        Due: pending with its next try at or before `at`, or sending under a lease that
        ended by then. Atomic: the email becomes sending, owned by `owner`, `due_at` the
        lease's end, and its attempts go up by one in one step. None when nothing is due.
        """
        ...

    def mark_sent(self, email_id: str, owner: str, at: datetime) -> bool:
        """Record that the server accepted the email; False (nothing changed) if not `owner`'s."""
        ...

    def retry_later(self, email_id: str, owner: str, due_at: datetime, error: str) -> bool:
        """Put the email back as pending, due at `due_at`; fenced as `mark_sent`."""
        ...

    def give_up(self, email_id: str, owner: str, at: datetime, error: str) -> bool:
        """Stop trying the email for good; fenced as `mark_sent`."""
        ...


class UnitOfWork(Protocol):
    """Makes several writes of one use case one change: all of them are kept, or none.

    `with unit_of_work.atomic(): ...` — every port of the same database written inside the
    block (repositories, the mail outbox) commits when the block ends and rolls back if it
    raises. Blocks nest (an inner one joins the outer one) and belong to the calling
    thread. Keep them short and free of slow work (password hashing, network calls): on
    SQLite the block holds the database's write lock. Adapters that cannot roll back
    (memory; MongoDB without a replica set) document the order of their writes instead:
    use cases write the change first and queue its email last, so a crash in between
    loses an email, never sends one for a change that did not happen.
    """

    def atomic(self) -> AbstractContextManager[None]: ...


class UserRepository(Protocol):
    def add(self, user: User) -> None:
        """Store a new user; Conflict if a live user has the email or the username."""
        ...

    def get(self, user_id: UserId) -> User | None:
        """The user with this id, deleted or not."""
        ...

    def get_by_email(self, email: str) -> User | None:
        """The live user with this canonical (lower-case) email."""
        ...

    def save(self, user: User) -> None:
        """Store the changed user; Conflict if the new email or username is taken."""
        ...

    def list_live(self, after: UserId | None, limit: int) -> list[User]:
        """Up to `limit` live users in id order, those with ids after `after` (operators)."""
        ...

    def deleted_before(self, cutoff: datetime, limit: int) -> list[UserId]:
        """Ids of at most `limit` users soft-deleted before `cutoff` (due for purging)."""
        ...

    def remove(self, user_ids: Sequence[UserId]) -> None:
        """Forget these users for good; ids already gone are no error."""
        ...


class Redemption(Enum):
    REDEEMED = "redeemed"
    ALREADY_USED = "already used"
    UNKNOWN = "unknown"


class OneTimeTokenStore(Protocol):
    """Tokens that may be redeemed once: refresh, password-reset and verification tokens."""

    def add(self, claims: TokenClaims) -> None: ...

    def redeem(self, token_id: str) -> Redemption:
        """Mark the token used; atomic, so two concurrent redemptions cannot both succeed."""
        ...

    def revoke(self, user_id: UserId, kind: TokenKind | None = None) -> None:
        """Forget the user's tokens (of one kind, or all): they can never be redeemed."""
        ...

    def remove_expired(self, before: datetime) -> int:
        """Forget the tokens that expired before `before`; how many there were."""
        ...


class SessionRepository(Protocol):
    def add(self, session: ChatSession) -> None: ...

    def get(self, session_id: SessionId) -> ChatSession | None:
        """The session with this id, deleted or not."""
        ...

    def list_for_user(self, user_id: UserId, limit: int) -> list[ChatSession]:
        """The user's live sessions, most recently updated first."""
        ...

    def page_for_user(
        self, user_id: UserId, limit: int, after: Position | None = None
    ) -> list[ChatSession]:
        """Up to `limit` live sessions of the user, most recently updated first, that come
        after the position (updated_at, id) `after` in that order; read along an index."""
        ...

    def rename(self, session_id: SessionId, title: str, at: datetime) -> ChatSession | None:
        """Set the title and updated_at of a live session; the result, or None if gone."""
        ...

    def record_message(self, session_id: SessionId, at: datetime) -> None:
        """Count one more live message; move last_message_at and updated_at — atomically."""
        ...

    def record_message_removed(
        self, session_id: SessionId, last_message_at: datetime | None
    ) -> None:
        """Count one live message fewer and set last_message_at — atomically."""
        ...

    def mark_deleted(self, session_id: SessionId, at: datetime) -> bool:
        """Soft-delete a live session; False if it was not live."""
        ...

    def mark_deleted_for_user(self, user_id: UserId, at: datetime) -> list[SessionId]:
        """Soft-delete every live session of the user; the ids of those deleted."""
        ...

    def deleted_before(self, cutoff: datetime, limit: int) -> list[SessionId]:
        """Ids of at most `limit` sessions soft-deleted before `cutoff` (due for purging)."""
        ...

    def remove(self, session_ids: Sequence[SessionId]) -> None:
        """Forget these sessions for good (not their messages); ids already gone are no error."""
        ...


class MessageRepository(Protocol):
    def add(self, message: Message) -> None: ...

    def get(self, message_id: MessageId) -> Message | None:
        """The message with this id, deleted or not."""
        ...

    def latest(
        self, session_id: SessionId, limit: int, before: MessageId | None = None
    ) -> list[Message]:
        """The newest `limit` live messages (placed before message `before`), oldest first.

        Messages are placed by (created_at, id): the time the server accepted them, the id
        breaking ties. Must cost the same however many messages the session holds (an
        index, not a scan).
        """
        ...

    def page(
        self, session_id: SessionId, limit: int, before: Position | None = None
    ) -> list[Message]:
        """The newest `limit` live messages whose (created_at, id) is below `before`,
        oldest first; as cheap as `latest`."""
        ...

    def mark_deleted(self, message_id: MessageId, at: datetime) -> bool:
        """Soft-delete a live message; False if it was not live (so counts drop once)."""
        ...

    def remove_for_sessions(self, session_ids: Sequence[SessionId]) -> int:
        """Forget every message of these sessions, deleted or not; how many there were."""
        ...

    def remove_deleted_before(self, cutoff: datetime) -> int:
        """Forget the messages soft-deleted before `cutoff`; how many there were."""
        ...


class RoomMessageRepository(Protocol):
    def add(self, message: RoomMessage) -> None: ...

    def get(self, message_id: RoomMessageId) -> RoomMessage | None:
        """The room message with this id, deleted or not."""
        ...

    def latest(self, room: str, limit: int) -> list[RoomMessage]:
        """The newest `limit` live messages of `room`, oldest first, read along an index."""
        ...

    def page(self, room: str, limit: int, before: Position | None = None) -> list[RoomMessage]:
        """The newest `limit` live messages of `room` whose (created_at, id) is below
        `before`, oldest first, read along an index."""
        ...

    def mark_deleted(self, message_id: RoomMessageId, at: datetime) -> bool:
        """Soft-delete a live message; False if it was not live."""
        ...

    def remove_deleted_before(self, cutoff: datetime) -> int:
        """Forget the room messages soft-deleted before `cutoff`; how many there were."""
        ...


class RoomBroker(Protocol):
    """Carries room events between the connections of every server process.

    Events are JSON text, serialized once by the sender and delivered as is. Each process
    has one listener (`deliver`), and joins the rooms its connections are in.
    """

    async def start(self, deliver: Callable[[str, str], None]) -> None:
        """Begin delivering events of joined rooms as deliver(room, event)."""
        ...

    async def join(self, room: str) -> None:
        """Receive the events of `room` from now on."""
        ...

    async def leave(self, room: str) -> None: ...

    async def publish(self, room: str, event: str) -> None:
        """Send `event` to every process that has joined `room` (this one included)."""
        ...

    async def close(self) -> None: ...


class SignOutNotices(Protocol):
    """Told when every sign-in of a user has just been revoked, so live connections end too.

    A token is checked when a connection opens; a room socket would otherwise outlive the
    revocation. Called after the revocation is saved; must not block on the network.
    """

    def signed_out(self, user_id: UserId) -> None:
        """Every earlier sign-in of `user_id` is revoked: close what they hold open."""
        ...


class NobodyListening:
    """SignOutNotices for a build that holds no live connections (the CLI, unit tests)."""

    def signed_out(self, user_id: UserId) -> None:
        """Nothing is open here to close."""


class RepositoryFile(Protocol):
    """One regular file at a repository's HEAD; its bytes are read on demand."""

    @property
    def path(self) -> str:
        """Relative POSIX path; never empty, '.', '..' or under `.git`."""
        ...

    @property
    def size(self) -> int: ...

    def read(self) -> bytes:
        """The file's `size` bytes; RepositoryOverLimit once the time limit has passed."""
        ...


class RepositorySnapshot(Protocol):
    """A repository fetched within its limits: sizes are known before any file is read."""

    @property
    def commit_id(self) -> str:
        """The 40-hex-character id of the HEAD commit that was fetched."""
        ...

    @property
    def files(self) -> Sequence[RepositoryFile]:
        """The regular files, sorted by path; symlinks and submodules are left out."""
        ...

    @property
    def total_bytes(self) -> int: ...


class RepositoryFetcher(Protocol):
    def fetch(
        self,
        clone_url: str,
        limits: RepositoryLimits,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> AbstractContextManager[RepositorySnapshot]:
        """Shallow-fetch the default branch of an approved URL; the snapshot lives as long
        as the `with` block.

        RepositoryUnavailable when it cannot be fetched or read (unreachable, missing,
        empty, malformed); RepositoryOverLimit past any of `limits`, before any file is
        read when counts or sizes are over; Cancelled soon after `cancelled` answers True.
        """
        ...


class RateLimiter(Protocol):
    """Counts requests per key under a `Rate` (GCRA), shared by every process it serves."""

    async def acquire(self, keys: Sequence[str], rate: Rate) -> float:
        """Count one request against every key, if each admits it: then 0.0.

        Otherwise count nothing and return the seconds until all would admit it. Atomic:
        concurrent callers (in any process sharing the limiter) never overshoot together.
        """
        ...

    async def close(self) -> None: ...


class FailureCounters(Protocol):
    """Counts of recent failures by key (login throttling), shared by every process."""

    def get(self, key: str) -> "Failures | None":
        """The failures counted under `key`, unless forgotten."""
        ...

    def record(self, key: str, at: datetime, keep_for: timedelta) -> None:
        """Count one more failure at `at`; forget them all `keep_for` after the last."""
        ...

    def clear(self, key: str) -> None: ...


class AuditLog(Protocol):
    def record(self, event: AuditEvent) -> None:
        """Keep the event (and write it where operators read logs)."""
        ...

    def query(self, query: AuditQuery) -> list[AuditEvent]:
        """The events matching `query`, newest first."""
        ...


class SessionDependents(Protocol):
    """Things that belong to chat sessions and are disabled when their session goes."""

    def disable_for_sessions(self, session_ids: Sequence[SessionId], at: datetime) -> int:
        """Soft-delete what belongs to these sessions; how many things were disabled."""
        ...


class ObjectStore(Protocol):
    """Named blobs of bytes (uploads, the files of archives and repositories)."""

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        """Store the chunks under `key`, replacing what was there; how many bytes.

        All or nothing: readers see the old object or the whole new one, never part of
        it, and if iterating `chunks` raises, nothing is stored and the error propagates.
        """
        ...

    def put_many(self, objects: Iterable[tuple[str, bytes]]) -> None:
        """Store many small objects, each as `put` would; several may be written at once.

        For the thousands of files of a repository: a store whose writes wait on the disk
        or the network overlaps them. If iterating `objects` (or a write) raises, the error
        propagates once every write begun has ended; what was stored by then stays.
        """
        ...

    def open(self, key: str) -> BinaryIO | None:
        """The object for reading (seekable, to be closed by the caller), or None."""
        ...

    def delete(self, key: str) -> None:
        """Forget the object; nothing happens if there is none."""
        ...

    def delete_under(self, folder: str) -> None:
        """Forget every object whose key starts with `folder` + "/"; none is no error.

        Also takes what no index names any more: objects of an interrupted write.
        """
        ...

    def ping(self) -> None:
        """Return when the storage can serve reads and writes; raise when it cannot.

        Cheap enough for a readiness probe every few seconds, and leaves no object behind.
        """
        ...


class ArtifactRepository(Protocol):
    def add(self, artifact: Artifact) -> None: ...

    def get(self, artifact_id: ArtifactId) -> Artifact | None:
        """The artifact with this id, deleted or not."""
        ...

    def list_for_session(self, session_id: SessionId) -> list[Artifact]:
        """The session's live artifacts, oldest first."""
        ...

    def page_for_session(
        self, session_id: SessionId, limit: int, after: Position | None = None
    ) -> list[Artifact]:
        """Up to `limit` live artifacts of the session whose (created_at, id) is above
        `after`, oldest first; read along an index."""
        ...

    def rename(self, artifact_id: ArtifactId, name: str, at: datetime) -> Artifact | None:
        """Set the name and updated_at of a live artifact; the result, or None if gone."""
        ...

    def record_ingestion(
        self, artifact_id: ArtifactId, ingestion: Ingestion, at: datetime
    ) -> Artifact | None:
        """Set where ingestion stands (status, files_count, commit, error) on a live artifact."""
        ...

    def count_unfinished(self) -> dict[ArtifactStatus, int]:
        """Live repository artifacts waiting for ingestion or being ingested, by status."""
        ...

    def add_unless_busy(self, artifact: Artifact, max_unfinished: int) -> bool:
        """Add a repository `artifact` unless its owner already has `max_unfinished` live
        repositories pending or being ingested; False, and nothing stored, if they have.

        Atomic: concurrent adds for one owner (in any processes sharing the database)
        never leave more than `max_unfinished` of them unfinished.
        """
        ...

    def claim_next(self, owner: str, at: datetime, until: datetime) -> Claim | None:
        """Claim the oldest live artifact that is `claimable` at `at`, for `owner` until `until`.

        Atomic: the status becomes ingesting with this lease and the attempt count goes up
        by one in a single step, so two claimers (in any processes sharing the database)
        never both win the same artifact. None when nothing is claimable.
        """
        ...

    def renew_claim(self, artifact_id: ArtifactId, owner: str, until: datetime) -> bool:
        """Move the expiry of `owner`'s lease to `until`; False if `owner` holds it no more."""
        ...

    def release_claim(self, artifact_id: ArtifactId, owner: str) -> bool:
        """Give `owner`'s claim back unfinished: pending again, no lease, this attempt not
        counted; False, and nothing changed, if `owner` no longer holds it."""
        ...

    def finish_claim(
        self, artifact_id: ArtifactId, owner: str, ingestion: Ingestion, at: datetime
    ) -> Artifact | None:
        """Record the outcome of `owner`'s ingestion and drop the lease (deleted or not).

        Fenced: None, and nothing changed, if `owner` no longer holds the lease (it expired
        and another worker took the job over).
        """
        ...

    def mark_deleted(self, artifact_id: ArtifactId, at: datetime) -> bool:
        """Soft-delete a live artifact; False if it was not live."""
        ...

    def disable_for_sessions(self, session_ids: Sequence[SessionId], at: datetime) -> int:
        """Soft-delete the live artifacts of these sessions; how many there were."""
        ...

    def deleted_before(self, cutoff: datetime, limit: int) -> list[Artifact]:
        """At most `limit` artifacts soft-deleted before `cutoff` (due for purging)."""
        ...

    def all_for_sessions(self, session_ids: Sequence[SessionId]) -> list[Artifact]:
        """Every artifact of these sessions, deleted or not."""
        ...

    def remove(self, artifact_ids: Sequence[ArtifactId]) -> None:
        """Forget these artifacts' records for good; ids already gone are no error."""
        ...


class ArtifactFileRepository(Protocol):
    """The file index of archives and repositories: path, size and type of each file."""

    def add_many(self, artifact_id: ArtifactId, files: Iterable[ArtifactFile]) -> None:
        """Index the files (paths unique within the artifact), written in batches."""
        ...

    def page(self, artifact_id: ArtifactId, limit: int, offset: int) -> FilePage:
        """`limit` files sorted by path from `offset`, and the total; never loads them all."""
        ...

    def get(self, artifact_id: ArtifactId, path: str) -> ArtifactFile | None: ...

    def remove_all(self, artifact_id: ArtifactId) -> None:
        """Forget the artifact's index (an ingestion that failed half-way)."""
        ...


class PeriodicJobs(Protocol):
    """Who runs a periodic job (the daily purge) next, decided in the shared database."""

    def claim(self, name: str, owner: str, at: datetime, until: datetime) -> bool:
        """Take the run of job `name` for `owner` until `until`, unless a claim lasts past `at`.

        Atomic: of claimers racing in any processes sharing the database, one wins (True)
        and the others see its claim (False) until `until` has passed.
        """
        ...


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
    room_broker: RoomBroker
    audit: AuditLog
    artifacts: ArtifactRepository
    artifact_files: ArtifactFileRepository
    objects: ObjectStore
    repository_fetcher: RepositoryFetcher
    # What a session delete cascades to (the artifact repository); their counts add up.
    session_dependents: Sequence[SessionDependents] = ()
    # Makes a use case's writes one change (the default joins nothing: each write stands).
    unit_of_work: UnitOfWork = attrs.field(factory=lambda: SeparateWrites())
    # Who closes a user's live connections when their sign-ins are revoked.
    sign_outs: SignOutNotices = attrs.field(factory=NobodyListening)


class SeparateWrites:
    """A unit of work that groups nothing: for adapters that keep each write as it comes."""

    @contextmanager
    def atomic(self) -> Iterator[None]:
        yield
