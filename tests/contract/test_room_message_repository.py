"""Every database adapter passes the same public suite of this port (chatcore_embed.testing)."""

from typing import Any

import pytest

from chatcore.rooms.ports import RoomMessageRepository
from chatcore_embed.testing import RoomMessageRepositoryContract


class TestRoomMessageRepository(RoomMessageRepositoryContract):
    @pytest.fixture
    def room_messages(self, database: Any) -> RoomMessageRepository:
        repository: RoomMessageRepository = database.room_messages
        return repository
