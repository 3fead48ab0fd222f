"""chatcore_embed.build: the server's composition root, taking URLs and single adapters."""

from pathlib import Path

import pytest

import chatcore
import chatcore_embed
from adapters.argon2_hasher import Argon2Hasher
from adapters.memory import MemoryDatabase, MemoryUserRepository
from adapters.sqlite import SqliteDatabase
from entrypoints import bootstrap

CHEAP = Argon2Hasher(time_cost=1, memory_cost=64)


def test_the_library_builds_with_the_servers_own_composition_root() -> None:
    assert chatcore_embed.build is bootstrap.build


def test_a_url_argument_replaces_the_settings_own(tmp_path: Path) -> None:
    settings = chatcore_embed.Settings(data_dir=tmp_path, database_url="sqlite:///nowhere.db")
    with chatcore_embed.build(settings, database_url="memory://") as runtime:
        assert isinstance(runtime.database, MemoryDatabase)
        assert runtime.in_process
    assert list(tmp_path.iterdir()) == []


def test_settings_alone_build_what_the_server_builds(tmp_path: Path) -> None:
    with chatcore_embed.build(chatcore_embed.Settings(data_dir=tmp_path)) as runtime:
        assert isinstance(runtime.database, SqliteDatabase)
    assert {path.name for path in tmp_path.iterdir()} >= {"chatcore.sqlite3", "secret_key"}


def test_a_host_adapter_serves_its_port() -> None:
    directory = MemoryUserRepository()
    with chatcore_embed.build(database_url="memory://", users=directory, hasher=CHEAP) as built:
        user = built.core.auth.create_user("jane", "jane@example.com", "a long password")
        assert directory.get(user.id) == user
        # A host's repository may wait on the network: use cases then leave the event loop.
        assert not built.in_process


def test_local_overrides_keep_use_cases_on_the_event_loop() -> None:
    with chatcore_embed.build(database_url="memory://", hasher=CHEAP) as runtime:
        assert runtime.in_process


def test_an_unknown_database_scheme_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unsupported scheme 'postgres'"):
        chatcore_embed.build(database_url="postgres://db/chat")


def test_domain_errors_reach_the_caller_as_they_are() -> None:
    with chatcore_embed.build(database_url="memory://", hasher=CHEAP) as runtime:
        runtime.core.auth.create_user("jane", "jane@example.com", "a long password")
        with pytest.raises(chatcore.Conflict):
            runtime.core.auth.create_user("jane2", "jane@example.com", "a long password")


def test_the_public_names_are_all_importable() -> None:
    for module in (chatcore, chatcore_embed):
        assert all(hasattr(module, name) for name in module.__all__)
