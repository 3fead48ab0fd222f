"""What the dulwich adapter checks in what a hostile server could send: tree names, packs."""

import socket
import subprocess
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from wsgiref.simple_server import make_server

import pytest
from dulwich.object_store import MemoryObjectStore
from dulwich.objects import Blob, Tree

from adapters.dulwich_git import DulwichRepositoryFetcher
from adapters.dulwich_git.pack_sizes import CorruptPack, object_sizes
from adapters.dulwich_git.tree import regular_files
from chatcore.repositories.limits import RepositoryLimits
from chatcore.shared.errors import RepositoryOverLimit, RepositoryUnavailable
from tests.git_server import GitHttpServer, git, make_repository


def _store_with_tree(*entries: tuple[bytes, int]) -> tuple[MemoryObjectStore, bytes]:
    store = MemoryObjectStore()
    blob = Blob.from_string(b"content\n")
    store.add_object(blob)
    inner = Tree()
    inner.add(b"inside.txt", 0o100644, blob.id)
    store.add_object(inner)
    tree = Tree()
    for name, mode in entries:
        tree.add(name, mode, inner.id if mode == 0o040000 else blob.id)
    store.add_object(tree)
    return store, tree.id


def _files(store: MemoryObjectStore, tree_id: bytes, max_files: int = 100) -> list[str]:
    return [path for path, _ in regular_files(store, tree_id, max_files, lambda: None)]


def test_git_folders_in_any_case_symlinks_and_submodules_are_left_out() -> None:
    store, tree_id = _store_with_tree(
        (b"kept.txt", 0o100644),
        (b"run.sh", 0o100755),
        (b"folder", 0o040000),
        (b".git", 0o040000),
        (b".GIT", 0o040000),
        (b".Git", 0o100644),
        (b"link", 0o120000),
        (b"vendor", 0o160000),
    )
    assert sorted(_files(store, tree_id)) == ["folder/inside.txt", "kept.txt", "run.sh"]


@pytest.mark.parametrize("name", [b"..", b".", b"a/b", b"\xff\xfe"])
def test_an_unsafe_or_undecodable_name_fails_the_repository(name: bytes) -> None:
    store, tree_id = _store_with_tree((name, 0o100644))
    with pytest.raises(RepositoryUnavailable):
        _files(store, tree_id)


def test_the_file_count_limit_stops_the_walk() -> None:
    store, tree_id = _store_with_tree((b"a", 0o100644), (b"b", 0o100644), (b"c", 0o100644))
    with pytest.raises(RepositoryOverLimit, match="more files than the limit of 2"):
        _files(store, tree_id, max_files=2)


def _entry(kind: int, size: int, data: bytes) -> bytes:
    """One pack entry: git's type-and-size header, then `data` (compressed by the caller)."""
    header = [(kind << 4) | (size & 0x0F)]
    size >>= 4
    while size:
        header[-1] |= 0x80
        header.append(size & 0x7F)
        size >>= 7
    return bytes(header) + data


def test_every_tree_entry_counts_against_the_entry_limit() -> None:
    # Empty folders hold no file, yet each costs a visit: 30 of them in 3 levels of 3 x 3.
    store = MemoryObjectStore()
    tree = Tree()
    store.add_object(tree)
    for _ in range(3):
        upper = Tree()
        for number in range(3):
            upper.add(b"d%d" % number, 0o040000, tree.id)
        store.add_object(upper)
        tree = upper
    assert list(regular_files(store, tree.id, 10, lambda: None, max_entries=39)) == []
    with pytest.raises(RepositoryOverLimit, match="more than 38 entries"):
        list(regular_files(store, tree.id, 10, lambda: None, max_entries=38))


def test_object_sizes_match_gits_own_including_deltas(tmp_path: Path) -> None:
    base = b"".join(b"line %d of a file that deltas well\n" % i for i in range(3000))
    files = {"a.txt": base, "b.txt": base + b"one more line\n", "c/empty": b"", "d": b"x"}
    repository = make_repository(tmp_path, "deltas.git", files)
    pack = subprocess.run(
        ["git", "pack-objects", "--stdout", "--revs"],
        input=b"HEAD\n",
        cwd=repository,
        capture_output=True,
        check=True,
    ).stdout
    pack_path = tmp_path / "sent.pack"
    pack_path.write_bytes(pack)
    git("index-pack", str(pack_path))
    listing = git("verify-pack", "-v", str(pack_path.with_suffix(".idx")))
    # Lines "<id> <type> <size> <size in pack> <offset> [<depth> <base id>]", one per object;
    # a delta's <size> is that of its instructions, so `cat-file -s` gives the real one.
    rows = [line.split() for line in listing.splitlines()]
    rows = [row for row in rows if len(row) >= 5 and len(row[0]) == 40]
    expected = {int(row[4]): int(git("cat-file", "-s", row[0], cwd=repository)) for row in rows}
    assert any(len(row) == 7 for row in rows)  # the pack really holds a delta
    with pack_path.open("rb") as file:
        assert object_sizes(file, 10**9) == expected


def test_an_object_over_the_limit_is_refused_before_inflating() -> None:
    entry = _entry(3, 5000, zlib.compress(b"x" * 5000))
    with _raw_pack(entry, 1) as file, pytest.raises(RepositoryOverLimit, match="5,000 bytes"):
        object_sizes(file, 4999)


def test_a_pack_of_more_objects_than_the_limits_need_is_refused_before_reading_one() -> None:
    # The header claims a million objects; the body is not even read.
    with _raw_pack(b"", 1_000_000) as file, pytest.raises(RepositoryOverLimit, match="1,000,000"):
        object_sizes(file, 10**6, max_objects=999_999)


def test_objects_declaring_more_than_the_limits_in_all_are_refused() -> None:
    entries = b"".join(_entry(3, 4000, zlib.compress(b"y" * 4000)) for _ in range(3))
    with _raw_pack(entries, 3) as file:
        assert len(object_sizes(file, 10**6, max_total_bytes=12_000)) == 3
    with _raw_pack(entries, 3) as file, pytest.raises(RepositoryOverLimit, match="11,999"):
        object_sizes(file, 10**6, max_total_bytes=11_999)


def _raw_pack(body: bytes, count: int) -> IO[bytes]:
    file = tempfile.NamedTemporaryFile()  # noqa: SIM115 -- the caller's `with` closes it
    file.write(b"PACK" + (2).to_bytes(4, "big") + count.to_bytes(4, "big") + body + bytes(20))
    file.flush()
    return file


@pytest.mark.parametrize(
    ("body", "count"),
    [
        (b"", 1),  # ends before its one object
        (_entry(3, 5, zlib.compress(b"hello")), 2),  # one object where two are declared
        (_entry(3, 4, zlib.compress(b"hello")), 1),  # inflates past its declared size
        (_entry(3, 6, zlib.compress(b"hello")), 1),  # inflates short of its declared size
        (_entry(3, 5, b"not zlib at all"), 1),
        (_entry(0, 5, zlib.compress(b"hello")), 1),  # type 0 does not exist
        (_entry(3, 5, zlib.compress(b"hello")[:-3]), 1),  # cut inside the compressed data
    ],
)
def test_a_malformed_pack_is_refused(body: bytes, count: int) -> None:
    with _raw_pack(body, count) as file, pytest.raises(CorruptPack):
        object_sizes(file, 10**6)


def test_a_short_file_is_not_a_pack() -> None:
    with tempfile.NamedTemporaryFile() as file:
        file.write(b"PACK")
        with pytest.raises(CorruptPack):
            object_sizes(file, 10**6)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_a_server_that_never_answers_fails_at_the_time_limit(silent_port: int) -> None:
    started = time.monotonic()
    with (
        pytest.raises(RepositoryOverLimit, match="longer than the 1 s limit"),
        DulwichRepositoryFetcher().fetch(
            f"http://127.0.0.1:{silent_port}/acme/small.git", RepositoryLimits(timeout_seconds=1)
        ),
    ):
        pytest.fail("the fetch should have failed")
    assert time.monotonic() - started < 3


@pytest.fixture
def redirecting_url(server_root: Path) -> Iterator[str]:
    """A loopback server that answers every request with a redirect to a real repository."""
    with GitHttpServer(server_root) as target:

        def redirect(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            location = target.url("acme/small.git") + "/info/refs?service=git-upload-pack"
            start_response("301 Moved Permanently", [("Location", location)])
            return [b""]

        server = make_server("127.0.0.1", 0, redirect)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}/acme/moved.git"
        finally:
            server.shutdown()
            server.server_close()


@pytest.fixture
def server_root(tmp_path: Path) -> Path:
    make_repository(tmp_path, "acme/small.git", {"a.txt": b"a\n"})
    return tmp_path


def test_a_redirect_is_not_followed(redirecting_url: str) -> None:
    with (
        pytest.raises(RepositoryUnavailable, match="301"),
        DulwichRepositoryFetcher().fetch(redirecting_url, RepositoryLimits()),
    ):
        pytest.fail("the fetch should have followed no redirect")
