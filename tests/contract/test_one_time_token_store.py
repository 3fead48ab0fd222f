"""Every database adapter passes the same public suite of this port (chatcore_embed.testing)."""

from typing import Any

import pytest

from chatcore.accounts.ports import OneTimeTokenStore
from chatcore_embed.testing import OneTimeTokenStoreContract


class TestOneTimeTokenStore(OneTimeTokenStoreContract):
    @pytest.fixture
    def one_time_tokens(self, database: Any) -> OneTimeTokenStore:
        repository: OneTimeTokenStore = database.one_time_tokens
        return repository
