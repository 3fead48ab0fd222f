from adapters.memory.artifacts import MemoryArtifactFileRepository, MemoryArtifactRepository
from adapters.memory.audit import MemoryAuditLog
from adapters.memory.journal import Journal, MemoryUnitOfWork
from adapters.memory.mail_queue import MemoryMailQueue
from adapters.memory.messages import MemoryMessageRepository
from adapters.memory.objects import MemoryObjectStore
from adapters.memory.one_time_tokens import MemoryOneTimeTokenStore
from adapters.memory.periodic_jobs import MemoryPeriodicJobs
from adapters.memory.room_messages import MemoryRoomMessageRepository
from adapters.memory.search import MemorySearchIndex, MemorySearchSources
from adapters.memory.sessions import MemorySessionRepository
from adapters.memory.text_jobs import MemoryTextJobs
from adapters.memory.users import MemoryUserRepository


class MemoryDatabase:
    """Every in-memory repository, under the same shape as the other database adapters."""

    # No I/O at all: calls return at once.
    in_process = True

    def __init__(self) -> None:
        # One journal for every repository: a block undoes whatever it wrote, anywhere.
        journal = Journal()
        self.users = MemoryUserRepository(journal)
        self.one_time_tokens = MemoryOneTimeTokenStore(journal)
        self.sessions = MemorySessionRepository(journal)
        self.messages = MemoryMessageRepository(journal)
        self.room_messages = MemoryRoomMessageRepository(journal)
        self.audit = MemoryAuditLog(journal)
        self.artifacts = MemoryArtifactRepository(journal)
        self.artifact_files = MemoryArtifactFileRepository(journal)
        self.text_jobs = MemoryTextJobs(self.artifacts)
        self.mail_queue = MemoryMailQueue(journal)
        self.unit_of_work = MemoryUnitOfWork(journal)
        self.periodic_jobs = MemoryPeriodicJobs(journal)
        self.search = MemorySearchIndex(self.sessions, self.messages, self.artifacts)
        self.search_sources = MemorySearchSources()

    def object_store(self) -> MemoryObjectStore:
        """Objects kept in memory too: a memory database keeps nothing anywhere else."""
        return MemoryObjectStore()

    def ping(self) -> None:
        """Nothing to reach: always ready."""

    def close(self) -> None:
        """Nothing to release."""
