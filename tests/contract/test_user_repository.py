"""Every database adapter passes the same public suite of this port (chatcore_embed.testing)."""

from typing import Any

import pytest

from chatcore.accounts.ports import UserRepository
from chatcore_embed.testing import UserRepositoryContract


class TestUserRepository(UserRepositoryContract):
    @pytest.fixture
    def users(self, database: Any) -> UserRepository:
        repository: UserRepository = database.users
        return repository
