from adapters.memory.artifacts import MemoryArtifactFileRepository, MemoryArtifactRepository
from adapters.memory.audit import MemoryAuditLog
from adapters.memory.mail_queue import MemoryMailQueue
from adapters.memory.messages import MemoryMessageRepository
from adapters.memory.objects import MemoryObjectStore
from adapters.memory.one_time_tokens import MemoryOneTimeTokenStore
from adapters.memory.periodic_jobs import MemoryPeriodicJobs
from adapters.memory.room_messages import MemoryRoomMessageRepository
from adapters.memory.search import MemorySearchIndex, MemorySearchSources
from adapters.memory.sessions import MemorySessionRepository
from adapters.memory.users import MemoryUserRepository
from chatcore.shared.unit_of_work import SeparateWrites


class MemoryDatabase:
    """Every in-memory repository, under the same shape as the other database adapters."""

    # No I/O at all: calls return at once.
    in_process = True

    def __init__(self) -> None:
        self.users = MemoryUserRepository()
        self.one_time_tokens = MemoryOneTimeTokenStore()
        self.sessions = MemorySessionRepository()
        self.messages = MemoryMessageRepository()
        self.room_messages = MemoryRoomMessageRepository()
        self.audit = MemoryAuditLog()
        self.artifacts = MemoryArtifactRepository()
        self.artifact_files = MemoryArtifactFileRepository()
        self.mail_queue = MemoryMailQueue()
        # Memory adapters cannot roll back: each write stands (see UnitOfWork).
        self.unit_of_work = SeparateWrites()
        self.periodic_jobs = MemoryPeriodicJobs()
        self.search = MemorySearchIndex(self.sessions, self.messages, self.artifacts)
        self.search_sources = MemorySearchSources()

    def object_store(self) -> MemoryObjectStore:
        """Objects kept in memory too: a memory database keeps nothing anywhere else."""
        return MemoryObjectStore()

    def ping(self) -> None:
        """Nothing to reach: always ready."""

    def close(self) -> None:
        """Nothing to release."""
