"""Purging: the stored bytes and records of things deleted long enough ago go for good.

Deletes through the API stay soft (deleted things answer 404 at once); `after` a deletion
(CHATCORE_PURGE_AFTER_DAYS) the purge removes what is left. Each thing is judged by its
own `deleted_at`: a deleted account's sessions were deleted with it, at the same moment.

The steps are ordered so that a crash at any point loses nothing still needed and a rerun
finishes the job: an artifact's objects go before the index rows and the record that name
them, a session's artifacts and messages before the session, a user's sessions before the
user. Every step only removes what is due, so running twice does no harm.
"""

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import attrs

from chatcore.accounts.ports import OneTimeTokenStore, UserRepository
from chatcore.artifacts.model import Artifact, objects_folder
from chatcore.artifacts.ports import ArtifactFileRepository, ArtifactRepository, ObjectStore
from chatcore.chats.ports import MessageRepository, SessionRepository
from chatcore.rooms.ports import RoomMessageRepository
from chatcore.search.ports import SearchIndex
from chatcore.shared.audit import AuditEvent, AuditKind
from chatcore.shared.ports import AuditLog, Clock, IdGenerator
from chatcore.upkeep.ports import PeriodicJobs

# Told of each batch as it goes: (what, how many), e.g. ("sessions", 200).
Progress = Callable[[str, int], None]

DEFAULT_AFTER = timedelta(days=30)
# The name of the daily run among the periodic jobs, and how long one claim holds it.
DAILY_JOB = "purge"
DAY = timedelta(days=1)
# Things are read and removed this many at a time: memory stays flat however much is due.
BATCH = 200
# Expired one-time tokens are kept a day, so a replayed refresh token still reads as
# reused (and signs its user out everywhere) rather than as unknown for a while.
KEEP_EXPIRED_TOKENS = timedelta(days=1)


@attrs.frozen
class PurgeReport:
    """What one purge removed: deleted before `cutoff`, counted by kind."""

    cutoff: datetime
    users: int = 0
    sessions: int = 0
    messages: int = 0
    room_messages: int = 0
    artifacts: int = 0
    one_time_tokens: int = 0

    def counts(self) -> dict[str, int]:
        """The counts by kind."""
        return {
            "users": self.users,
            "sessions": self.sessions,
            "messages": self.messages,
            "room_messages": self.room_messages,
            "artifacts": self.artifacts,
            "one_time_tokens": self.one_time_tokens,
        }


@attrs.define
class Purge:
    """The purge, over the stores it empties."""

    users: UserRepository
    one_time_tokens: OneTimeTokenStore
    sessions: SessionRepository
    messages: MessageRepository
    room_messages: RoomMessageRepository
    artifacts: ArtifactRepository
    artifact_files: ArtifactFileRepository
    objects: ObjectStore
    search: SearchIndex
    audit: AuditLog
    clock: Clock
    ids: IdGenerator
    after: timedelta = DEFAULT_AFTER
    progress: Progress = lambda kind, count: None

    def run(self, after: timedelta | None = None) -> PurgeReport:
        """Remove everything deleted more than `after` ago (by default the configured wait)."""
        wait = self.after if after is None else after
        if wait < timedelta(0):
            raise ValueError("the wait before purging cannot be negative")
        now = self.clock.now()
        cutoff = now - wait
        artifacts = self._purge_deleted_artifacts(cutoff)
        sessions, session_messages, session_artifacts = self._purge_sessions(cutoff)
        messages = self.messages.remove_deleted_before(cutoff)
        room_messages = self.room_messages.remove_deleted_before(cutoff)
        users = self._purge_users(cutoff, now)
        tokens = self.one_time_tokens.remove_expired(now - KEEP_EXPIRED_TOKENS)
        report = PurgeReport(
            cutoff=cutoff,
            users=users,
            sessions=sessions,
            messages=session_messages + messages,
            room_messages=room_messages,
            artifacts=artifacts + session_artifacts,
            one_time_tokens=tokens,
        )
        # Counts only: the record of a purge names none of the people it forgot.
        self.audit.record(
            AuditEvent(
                id=self.ids.new_id(),
                at=self.clock.now(),
                kind=AuditKind.PURGED,
                details={
                    "cutoff": cutoff.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    **{kind: str(count) for kind, count in report.counts().items()},
                },
            )
        )
        return report

    def run_daily(self, jobs: PeriodicJobs, owner: str) -> PurgeReport | None:
        """Run the purge if no process of the deployment has in the last day; None if one has."""
        now = self.clock.now()
        if not jobs.claim(DAILY_JOB, owner, now, now + DAY):
            return None
        return self.run()

    def _purge_deleted_artifacts(self, cutoff: datetime) -> int:
        purged = 0
        while due := self.artifacts.deleted_before(cutoff, BATCH):
            purged += self._purge_artifacts(due)
        return purged

    def _purge_sessions(self, cutoff: datetime) -> tuple[int, int, int]:
        sessions = messages = artifacts = 0
        while due := self.sessions.deleted_before(cutoff, BATCH):
            # Whatever is still under the session goes with it, deleted or not: its
            # messages (a deleted session's stay live rows) and any artifact that a
            # request finished storing after the session was deleted.
            artifacts += self._purge_artifacts(self.artifacts.all_for_sessions(due))
            messages += self.messages.remove_for_sessions(due)
            self.search.remove_for_sessions(due)
            self.sessions.remove(due)
            sessions += len(due)
            self.progress("sessions", len(due))
        return sessions, messages, artifacts

    def _purge_artifacts(self, artifacts: Sequence[Artifact]) -> int:
        for artifact in artifacts:
            # Objects first: while the record stands, a crash here is finished by a rerun.
            if artifact.upload is not None:
                self.objects.delete(artifact.upload.object_key)
            self.objects.delete_under(objects_folder(artifact.id))
            self.artifact_files.remove_all(artifact.id)
        self.search.remove_items([artifact.id for artifact in artifacts])
        self.artifacts.remove([artifact.id for artifact in artifacts])
        if artifacts:
            self.progress("artifacts", len(artifacts))
        return len(artifacts)

    def _purge_users(self, cutoff: datetime, now: datetime) -> int:
        purged = 0
        while due := self.users.deleted_before(cutoff, BATCH):
            for user_id in due:
                # Done at the deletion already; this catches what a race left behind: a
                # token issued, or a session created, while the account was being deleted.
                # Such a session is deleted now, and purged after the wait like any other.
                self.one_time_tokens.revoke(user_id)
                stragglers = self.sessions.mark_deleted_for_user(user_id, now)
                self.artifacts.disable_for_sessions(stragglers, now)
            self.users.remove(due)
            purged += len(due)
            self.progress("users", len(due))
        return purged
