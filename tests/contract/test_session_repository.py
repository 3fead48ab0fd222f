"""Every database adapter passes the same public suite of this port (chatcore_embed.testing)."""

from typing import Any

import pytest

from chatcore.chats.ports import SessionRepository
from chatcore_embed.testing import SessionRepositoryContract


class TestSessionRepository(SessionRepositoryContract):
    @pytest.fixture
    def sessions(self, database: Any) -> SessionRepository:
        repository: SessionRepository = database.sessions
        return repository
