"""Every database adapter passes the same public suite of this port (chatcore_embed.testing)."""

from typing import Any

import pytest

from chatcore.chats.ports import MessageRepository
from chatcore_embed.testing import MessageRepositoryContract


class TestMessageRepository(MessageRepositoryContract):
    @pytest.fixture
    def messages(self, database: Any) -> MessageRepository:
        repository: MessageRepository = database.messages
        return repository
