from collections.abc import Iterator

import pytest

from tests.redis_server import RedisServer


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server for the session; fails (does not skip) when it is not installed."""
    try:
        server = RedisServer().start()
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()
