"""The search index in memory: every text of a user read on each query (for tests, hosts)."""

import threading
from collections.abc import Callable, Sequence

from adapters.memory.artifacts import MemoryArtifactRepository
from adapters.memory.messages import MemoryMessageRepository
from adapters.memory.sessions import MemorySessionRepository
from chatcore.chats.model import Message
from chatcore.search.model import Candidate, Hit, HitKind, IndexedText
from chatcore.search.query import SearchQuery
from chatcore.search.ranking import rank
from chatcore.shared.ids import ArtifactId, MessageId, SessionId, UserId
from chatcore.shared.paging import Rank


class MemorySearchIndex:
    """Reads liveness from the repositories of the same memory database, as SQLite joins."""

    def __init__(
        self,
        sessions: MemorySessionRepository,
        messages: MemoryMessageRepository,
        artifacts: MemoryArtifactRepository,
    ) -> None:
        self._sessions = sessions
        self._messages = messages
        self._artifacts = artifacts
        self._texts: dict[str, IndexedText] = {}
        self._progress: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, texts: Sequence[IndexedText]) -> None:
        with self._lock:
            for text in texts:
                self._texts.setdefault(text.candidate.key, text)

    def ranked(
        self,
        owner_id: UserId,
        query: SearchQuery,
        session_id: SessionId | None,
        after: Rank | None,
        limit: int,
    ) -> list[Hit]:
        with self._lock:
            found = [
                text.candidate
                for text in self._texts.values()
                if text.owner_id == owner_id
                and (session_id is None or text.candidate.session_id == session_id)
                and query.matches(text.candidate.searchable)
            ]
        return rank(query, filter(self._live, found), after, limit)

    def settle(self) -> int:
        return 0  # nothing deferred

    def texts(self, keys: Sequence[str]) -> dict[str, str]:
        with self._lock:
            return {key: self._texts[key].text for key in keys if key in self._texts}

    def indexed(self, item_ids: Sequence[str]) -> set[str]:
        wanted = set(item_ids)
        with self._lock:
            return {
                text.candidate.item_id
                for text in self._texts.values()
                if text.candidate.item_id in wanted
            }

    def remove_items(self, item_ids: Sequence[str]) -> None:
        gone = set(item_ids)
        self._remove(lambda text: text.candidate.item_id in gone)

    def remove_for_sessions(self, session_ids: Sequence[SessionId]) -> None:
        gone = set(session_ids)
        self._remove(lambda text: text.candidate.session_id in gone)

    def progress(self, task: str) -> str | None:
        with self._lock:
            return self._progress.get(task)

    def record_progress(self, task: str, mark: str) -> None:
        with self._lock:
            self._progress[task] = mark

    def _remove(self, doomed: Callable[[IndexedText], bool]) -> None:
        with self._lock:
            for key in [key for key, text in self._texts.items() if doomed(text)]:
                del self._texts[key]

    def _live(self, text: Candidate) -> bool:
        session = self._sessions.get(text.session_id)
        if session is None or session.deleted_at is not None:
            return False
        if text.kind is HitKind.MESSAGE:
            message = self._messages.get(MessageId(text.item_id))
            return message is not None and message.deleted_at is None
        artifact = self._artifacts.get(ArtifactId(text.item_id))
        return artifact is not None and artifact.deleted_at is None


class MemorySearchSources:
    """Nothing to catch up on: a memory database is born with its index, and dies with it."""

    def messages_after(
        self, after: str | None, limit: int
    ) -> tuple[list[tuple[UserId, Message]], str | None]:
        return [], None

    def artifacts_after(self, after: str | None, limit: int) -> tuple[list[ArtifactId], str | None]:
        return [], None
