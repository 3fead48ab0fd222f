"""In-memory adapters: real, small implementations for tests and offline use. No I/O."""

from adapters.memory.artifacts import MemoryArtifactFileRepository, MemoryArtifactRepository
from adapters.memory.clock import ManualClock
from adapters.memory.database import MemoryDatabase
from adapters.memory.messages import MemoryMessageRepository
from adapters.memory.objects import MemoryObjectStore
from adapters.memory.one_time_tokens import MemoryOneTimeTokenStore
from adapters.memory.outbox import MemoryOutbox
from adapters.memory.periodic_jobs import MemoryPeriodicJobs
from adapters.memory.repository_fetcher import MemoryRepositoryFetcher
from adapters.memory.sessions import MemorySessionRepository
from adapters.memory.users import MemoryUserRepository

__all__ = [
    "ManualClock",
    "MemoryArtifactFileRepository",
    "MemoryArtifactRepository",
    "MemoryDatabase",
    "MemoryMessageRepository",
    "MemoryObjectStore",
    "MemoryOneTimeTokenStore",
    "MemoryOutbox",
    "MemoryPeriodicJobs",
    "MemoryRepositoryFetcher",
    "MemorySessionRepository",
    "MemoryUserRepository",
]
