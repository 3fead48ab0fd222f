"""The contract suites of chatcore's ports, for a host to run against its own adapters.

Each suite is a class of pytest tests over one port. Subclass it in a test module and
define its fixture (the adapter under test); a new adapter is done when the suite passes.
chatcore's own adapters pass the very same classes (see tests/contract/ in the project).

    class TestMyUsers(UserRepositoryContract):
        @pytest.fixture
        def users(self) -> UserRepository:
            return MyUserDirectory(...)

One module per port: `users`, `sessions`, `messages`, `room_messages`, `one_time_tokens`,
`mail`; the object storage suite (artifacts) joins them as `storage`.
"""

from chatcore_embed.packages import check_packages

check_packages()

from entrypoints.extras import require_extra  # noqa: E402

require_extra("pytest", "testing", "chatcore_embed.testing (the ports' contract suites)")

import pytest  # noqa: E402

# Before the suites are imported: their plain asserts then explain their failures in full.
pytest.register_assert_rewrite(
    *(
        f"chatcore_embed.testing.{suite}"
        for suite in (
            "mail",
            "messages",
            "one_time_tokens",
            "room_messages",
            "sessions",
            "users",
            "walks",
        )
    )
)

from chatcore_embed.testing.mail import Delivered, MailerContract, RemoteMailerContract  # noqa: E402
from chatcore_embed.testing.messages import MessageRepositoryContract  # noqa: E402
from chatcore_embed.testing.one_time_tokens import OneTimeTokenStoreContract  # noqa: E402
from chatcore_embed.testing.room_messages import RoomMessageRepositoryContract  # noqa: E402
from chatcore_embed.testing.sessions import SessionRepositoryContract  # noqa: E402
from chatcore_embed.testing.users import UserRepositoryContract  # noqa: E402

__all__ = [
    "Delivered",
    "MailerContract",
    "MessageRepositoryContract",
    "OneTimeTokenStoreContract",
    "RemoteMailerContract",
    "RoomMessageRepositoryContract",
    "SessionRepositoryContract",
    "UserRepositoryContract",
]
