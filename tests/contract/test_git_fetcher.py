"""The repository fetcher port, against a real git server on loopback (`git http-backend`).

The adapter takes URLs the policy already approved; these tests hand it loopback http URLs
directly (the policy is tested on its own, in tests/unit/test_repository_sources.py).
"""

import random
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatcore.repositories.limits import MIB, RepositoryLimits
from chatcore.repositories.ports import RepositoryFetcher
from chatcore.shared.errors import Cancelled, RepositoryOverLimit, RepositoryUnavailable
from tests.git_server import (
    GitHttpServer,
    git,
    make_delta_bomb,
    make_empty_repository,
    make_repository,
    make_tree_bomb,
)
from tests.processes import free_port

SMALL = {
    "README.md": "# Démo\n\nUn petit projet, with UTF-8: ✓ 日本語\n".encode(),
    "src/app/__init__.py": b"",
    "src/app/main.py": b"def main() -> None:\n    print('hello')\n",
    "src/app/util/strings.py": b"UPPER = str.upper\n",
    "docs/guide/deep/er/still.txt": b"nested four folders down\n",
    "assets/logo.bin": bytes(range(256)) * 40 + b"\x00\xff\x00",
    "scripts/run.sh": b"#!/bin/sh\necho run\n",
}
LARGE_COUNT = 5_000
LARGE = {f"pkg{i % 40}/mod{i % 7}/file{i}.txt": f"line {i}\n".encode() for i in range(LARGE_COUNT)}


@pytest.fixture(scope="module")
def repositories(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("git-root")
    make_repository(root, "acme/small.git", SMALL, symlinks={"docs/link.md": "../README.md"})
    make_repository(root, "acme/large.git", LARGE)
    noise = random.Random(6).randbytes(2 * MIB)  # incompressible: the pack is as large
    make_repository(root, "acme/noise.git", {"noise.bin": noise})
    make_repository(root, "acme/bomb.git", {"zeros.bin": bytes(64 * MIB), "ok.txt": b"ok\n"})
    make_empty_repository(root, "acme/empty.git")
    make_tree_bomb(root, "acme/tree-bomb.git")  # a million empty folders in 20 KB
    make_delta_bomb(root, "acme/delta-bomb.git", copies=3000)  # 3 GiB of files in 450 KB
    return root


@pytest.fixture(scope="module")
def server(repositories: Path) -> Iterator[GitHttpServer]:
    with GitHttpServer(repositories) as running:
        yield running


@pytest.fixture(params=["dulwich", "dulwich-in-process"])
def fetcher(request: pytest.FixtureRequest, tmp_path: Path) -> RepositoryFetcher:
    from adapters.dulwich_git import DulwichRepositoryFetcher

    if request.param == "dulwich":
        return DulwichRepositoryFetcher(work_dir=tmp_path / "work")
    if request.param == "dulwich-in-process":
        return DulwichRepositoryFetcher(work_dir=tmp_path / "work", isolated=False)
    raise ValueError(request.param)


def test_the_files_at_head_come_with_their_sizes_and_bytes(
    fetcher: RepositoryFetcher, server: GitHttpServer
) -> None:
    with fetcher.fetch(server.url("acme/small.git"), RepositoryLimits()) as snapshot:
        assert [file.path for file in snapshot.files] == sorted(SMALL)
        assert {file.path: file.size for file in snapshot.files} == {
            path: len(content) for path, content in SMALL.items()
        }
        assert {file.path: file.read() for file in snapshot.files} == SMALL
        assert snapshot.total_bytes == sum(len(content) for content in SMALL.values())


def test_the_commit_id_is_the_servers_head(
    fetcher: RepositoryFetcher, server: GitHttpServer, repositories: Path
) -> None:
    head = git("rev-parse", "HEAD", cwd=repositories / "acme/small.git").strip()
    with fetcher.fetch(server.url("acme/small.git"), RepositoryLimits()) as snapshot:
        assert snapshot.commit_id == head


def test_no_git_metadata_and_no_symlinks_are_listed(
    fetcher: RepositoryFetcher, server: GitHttpServer
) -> None:
    with fetcher.fetch(server.url("acme/small.git"), RepositoryLimits()) as snapshot:
        paths = [file.path for file in snapshot.files]
    assert not [p for p in paths if p == ".git" or p.startswith(".git/") or "/.git/" in p]
    assert "docs/link.md" not in paths


def test_the_working_directory_is_removed_afterwards(server: GitHttpServer, tmp_path: Path) -> None:
    from adapters.dulwich_git import DulwichRepositoryFetcher

    work = tmp_path / "work"
    with DulwichRepositoryFetcher(work).fetch(server.url("acme/small.git"), RepositoryLimits()):
        assert list(work.iterdir())
    assert list(work.iterdir()) == []


def test_thousands_of_files_are_all_listed_and_read(
    fetcher: RepositoryFetcher, server: GitHttpServer
) -> None:
    with fetcher.fetch(server.url("acme/large.git"), RepositoryLimits()) as snapshot:
        assert len(snapshot.files) == LARGE_COUNT
        contents = {file.path: file.read() for file in snapshot.files}
    assert contents == LARGE


def test_more_files_than_the_limit_fail_before_any_is_read(
    fetcher: RepositoryFetcher, server: GitHttpServer
) -> None:
    limits = RepositoryLimits(max_files=len(SMALL) - 1)
    with (
        pytest.raises(RepositoryOverLimit, match=f"more files than the limit of {len(SMALL) - 1}"),
        fetcher.fetch(server.url("acme/small.git"), limits),
    ):
        pytest.fail("the fetch should have failed")


def test_a_file_over_the_size_limit_is_named(
    fetcher: RepositoryFetcher, server: GitHttpServer
) -> None:
    limits = RepositoryLimits(max_file_bytes=1_000)
    with (
        pytest.raises(RepositoryOverLimit, match=r"assets/logo\.bin is 10,243 bytes"),
        fetcher.fetch(server.url("acme/small.git"), limits),
    ):
        pytest.fail("the fetch should have failed")


def test_files_adding_up_past_the_total_limit_fail(
    fetcher: RepositoryFetcher, server: GitHttpServer
) -> None:
    limits = RepositoryLimits(max_total_bytes=LARGE_COUNT)
    with (
        pytest.raises(RepositoryOverLimit, match="add up to more than the 5,000-byte limit"),
        fetcher.fetch(server.url("acme/large.git"), limits),
    ):
        pytest.fail("the fetch should have failed")


def test_a_download_larger_than_the_limits_allow_is_cut_off(
    fetcher: RepositoryFetcher, server: GitHttpServer
) -> None:
    # A 2 MiB pack is far beyond what 100 bytes in one file could need: it stops mid-way.
    limits = RepositoryLimits(max_files=1, max_total_bytes=100)
    with (
        pytest.raises(RepositoryOverLimit, match="download passed"),
        fetcher.fetch(server.url("acme/noise.git"), limits),
    ):
        pytest.fail("the fetch should have failed")


def test_a_compressed_giant_is_refused_without_inflating_it(
    fetcher: RepositoryFetcher, server: GitHttpServer
) -> None:
    # 64 MiB of zeros compresses to a few kilobytes: only the declared size gives it away.
    tracemalloc.start()
    try:
        with (
            pytest.raises(RepositoryOverLimit, match="an object of 67,108,864 bytes"),
            fetcher.fetch(server.url("acme/bomb.git"), RepositoryLimits()),
        ):
            pytest.fail("the fetch should have failed")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * MIB


def test_a_slow_server_fails_at_the_time_limit(
    fetcher: RepositoryFetcher, repositories: Path
) -> None:
    with GitHttpServer(repositories, chunk_delay=0.4) as slow:
        started = time.monotonic()
        with (
            pytest.raises(RepositoryOverLimit, match="longer than the 1 s limit"),
            fetcher.fetch(slow.url("acme/large.git"), RepositoryLimits(timeout_seconds=1)),
        ):
            pytest.fail("the fetch should have failed")
        assert time.monotonic() - started < 5


def test_reading_after_the_time_limit_fails(
    fetcher: RepositoryFetcher, server: GitHttpServer
) -> None:
    limits = RepositoryLimits(timeout_seconds=4)
    with fetcher.fetch(server.url("acme/small.git"), limits) as snapshot:
        time.sleep(4.1)
        with pytest.raises(RepositoryOverLimit, match="longer than the 4 s limit"):
            snapshot.files[0].read()


def test_an_unreachable_server_fails_fast(fetcher: RepositoryFetcher) -> None:
    closed = f"http://127.0.0.1:{free_port()}/acme/small.git"
    started = time.monotonic()
    with (
        pytest.raises(RepositoryUnavailable, match=r"Could not fetch .*refused"),
        fetcher.fetch(closed, RepositoryLimits()),
    ):
        pytest.fail("the fetch should have failed")
    assert time.monotonic() - started < 2


def test_a_missing_repository_fails_clearly(
    fetcher: RepositoryFetcher, server: GitHttpServer
) -> None:
    with (
        pytest.raises(RepositoryUnavailable, match="no repository there"),
        fetcher.fetch(server.url("acme/nothing.git"), RepositoryLimits()),
    ):
        pytest.fail("the fetch should have failed")


def test_an_empty_repository_fails_clearly(
    fetcher: RepositoryFetcher, server: GitHttpServer
) -> None:
    with (
        pytest.raises(RepositoryUnavailable, match="has no commits"),
        fetcher.fetch(server.url("acme/empty.git"), RepositoryLimits()),
    ):
        pytest.fail("the fetch should have failed")


def test_a_tree_bomb_fails_on_its_entries_well_within_the_time_limit(
    fetcher: RepositoryFetcher, server: GitHttpServer
) -> None:
    started = time.monotonic()
    with (
        pytest.raises(RepositoryOverLimit, match="more than 101,000 entries"),
        fetcher.fetch(server.url("acme/tree-bomb.git"), RepositoryLimits(timeout_seconds=30)),
    ):
        pass
    assert time.monotonic() - started < 10


def test_a_delta_bomb_is_refused_before_it_is_indexed(
    fetcher: RepositoryFetcher, server: GitHttpServer
) -> None:
    started = time.monotonic()
    with (
        pytest.raises(RepositoryOverLimit, match="objects add up to more than"),
        fetcher.fetch(server.url("acme/delta-bomb.git"), RepositoryLimits(timeout_seconds=30)),
    ):
        pass
    assert time.monotonic() - started < 10


def test_indexing_stops_at_the_time_limit(
    fetcher: RepositoryFetcher, server: GitHttpServer
) -> None:
    # Limits loose enough to let the delta bomb through to indexing, which takes seconds.
    limits = RepositoryLimits(max_total_bytes=4096 * MIB, timeout_seconds=1.5)
    started = time.monotonic()
    with (
        pytest.raises(RepositoryOverLimit, match=r"longer than the 1\.5 s limit"),
        fetcher.fetch(server.url("acme/delta-bomb.git"), limits),
    ):
        pass
    assert time.monotonic() - started < 1.5 + 1.5


def test_a_cancelled_fetch_stops_within_a_chunk(repositories: Path) -> None:
    from adapters.dulwich_git import DulwichRepositoryFetcher

    stop = threading.Event()
    with GitHttpServer(repositories, chunk_delay=0.3) as slow:
        timer = threading.Timer(1.0, stop.set)
        timer.start()
        started = time.monotonic()
        try:
            with (
                pytest.raises(Cancelled),
                DulwichRepositoryFetcher().fetch(
                    slow.url("acme/large.git"), RepositoryLimits(), cancelled=stop.is_set
                ),
            ):
                pass
        finally:
            timer.cancel()
        assert time.monotonic() - started < 1.0 + 2.0
