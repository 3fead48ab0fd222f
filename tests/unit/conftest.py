from collections.abc import Callable

import pytest

from adapters.argon2_hasher import Argon2Hasher
from adapters.jwt_tokens import JwtTokenService
from adapters.memory import (
    ManualClock,
    MemoryDatabase,
    MemoryObjectStore,
    MemoryOutbox,
    MemoryRepositoryFetcher,
)
from adapters.memory_broker import MemoryRoomBroker
from adapters.object_ids import ObjectIdGenerator
from chatcore.accounts.model import Role, User
from chatcore.core import ChatCore
from chatcore.mail.ports import Mailer
from chatcore.ports import Ports

PASSWORD = "SecurePass123!"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def outbox() -> MemoryOutbox:
    return MemoryOutbox()


@pytest.fixture
def fetcher() -> MemoryRepositoryFetcher:
    return MemoryRepositoryFetcher()


def memory_core(
    clock: ManualClock,
    mailer: Mailer,
    fetcher: MemoryRepositoryFetcher | None = None,
) -> ChatCore:
    """The use cases over fresh in-memory adapters, with a cheap hasher and a fixed key."""
    database = MemoryDatabase()
    return ChatCore.from_ports(
        Ports(
            users=database.users,
            one_time_tokens=database.one_time_tokens,
            tokens=JwtTokenService("unit-test-secret-key-of-sufficient-length"),
            # Cheap parameters: these tests are about rules, not hash strength.
            hasher=Argon2Hasher(time_cost=1, memory_cost=64),
            mailer=mailer,
            clock=clock,
            ids=ObjectIdGenerator(),
            sessions=database.sessions,
            messages=database.messages,
            room_messages=database.room_messages,
            room_broker=MemoryRoomBroker(),
            audit=database.audit,
            artifacts=database.artifacts,
            artifact_files=database.artifact_files,
            objects=MemoryObjectStore(),
            repository_fetcher=fetcher or MemoryRepositoryFetcher(),
            search=database.search,
            search_sources=database.search_sources,
            session_dependents=(database.artifacts,),
        )
    )


@pytest.fixture
def core(clock: ManualClock, outbox: MemoryOutbox, fetcher: MemoryRepositoryFetcher) -> ChatCore:
    return memory_core(clock, outbox, fetcher)


@pytest.fixture
def make_user(core: ChatCore) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(role: Role = Role.USER, verified: bool = True) -> User:
        n = next(counter)
        return core.auth.create_user(
            f"user{n}", f"user{n}@example.com", PASSWORD, role, verified=verified
        )

    return make
