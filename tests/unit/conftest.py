from collections.abc import Callable
from typing import Unpack

import pytest

from adapters.argon2_hasher import Argon2Hasher
from adapters.jwt_tokens import JwtTokenService
from adapters.memory import ManualClock, MemoryOutbox, MemoryRepositoryFetcher
from chatcore.accounts.model import Role, User
from chatcore.core import ChatCore
from chatcore.mail.ports import Mailer
from entrypoints.bootstrap import Database, PortOverrides, build
from entrypoints.config import Settings

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
    database: Database | None = None,
    **overrides: Unpack[PortOverrides],
) -> ChatCore:
    """The use cases over fresh in-memory adapters (or `database`'s repositories), with a
    cheap hasher and a fixed key.

    Built by the server's own composition root: no list of ports is kept here.
    """
    return build(
        # Rules, not the edge: no login throttle, nothing counted for /metrics.
        Settings(
            database_url="memory://", storage_url="memory://", rate_limits=False, metrics=False
        ),
        database=database,
        tokens=JwtTokenService("unit-test-secret-key-of-sufficient-length"),
        # Cheap parameters: these tests are about rules, not hash strength.
        hasher=Argon2Hasher(time_cost=1, memory_cost=64),
        mailer=mailer,
        clock=clock,
        repository_fetcher=fetcher or MemoryRepositoryFetcher(),
        **overrides,
    ).core


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
