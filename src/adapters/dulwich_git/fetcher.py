"""The repository fetcher over dulwich: a depth-1 fetch of HEAD, read from its pack.

There is no checkout. The pack is downloaded into a temporary bare repository (cut off
past `max_download_bytes`), every object's size is read from it without inflating
anything (`pack_sizes`: too many objects, or sizes adding up past the limits, are refused
there), then it is indexed with the deadline checked after every object; the HEAD tree
is walked for regular files (every entry visited counts against `max_tree_entries`),
and each file's bytes are inflated only when the caller reads it. Symlinks and
submodules are skipped: a link's target is not content of the repository, and a
submodule's commit is in another one. Redirects are not followed: the URL was approved
by the policy, and a redirect could lead anywhere.
"""

import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import attrs
import urllib3
from dulwich.client import HttpGitClient, HTTPUnauthorized
from dulwich.errors import GitProtocolError, NotGitRepository
from dulwich.object_store import DiskObjectStore
from dulwich.objects import Commit
from dulwich.pack import PackData, PackIndexEntry, write_pack_index_v2
from dulwich.repo import Repo

from adapters.dulwich_git.pack_sizes import object_sizes
from adapters.dulwich_git.tree import regular_files
from chatcore.repositories.limits import MIB, RepositoryLimits
from chatcore.shared.errors import (
    Cancelled,
    RepositoryFetchFailed,
    RepositoryOverLimit,
    RepositoryUnavailable,
)

CONNECT_TIMEOUT = 10.0  # seconds; an unreachable host fails in this time, not the whole limit
READ_TIMEOUT = 30.0  # seconds of silence from the server before giving up
BLOB = 3


def max_download_bytes(limits: RepositoryLimits) -> int:
    """How much a clone may download before it is cut off as over the limits.

    A shallow pack holds each file once, compressed, plus the trees and the commit; zlib
    grows incompressible data only slightly, so twice the total plus room for the trees
    of `max_files` entries bounds every repository within the limits.
    """
    return 2 * limits.max_total_bytes + 128 * limits.max_files + MIB


def max_object_bytes(limits: RepositoryLimits) -> int:
    """The largest object a pack may hold: a file, or a tree listing up to max_files entries."""
    return max(limits.max_file_bytes, 300 * limits.max_files)


def max_pack_objects(limits: RepositoryLimits) -> int:
    """The most objects a depth-1 pack within the limits holds: the commit (and a few
    tags), and no more trees and blobs than the tree entries that name them."""
    return limits.max_tree_entries + 16


def max_declared_bytes(limits: RepositoryLimits) -> int:
    """The most a depth-1 pack within the limits inflates to: its files, trees of at most
    `max_tree_entries` entries (a name is at most 255 bytes), and the commit."""
    return limits.max_total_bytes + 300 * limits.max_tree_entries + MIB


@attrs.frozen
class Deadline:
    """The time limit, and the caller's wish to stop: checked between every step."""

    at: float
    seconds: float
    cancelled: Callable[[], bool] = lambda: False

    @classmethod
    def after(cls, seconds: float, cancelled: Callable[[], bool] = lambda: False) -> "Deadline":
        return cls(time.monotonic() + seconds, seconds, cancelled)

    def check(self) -> None:
        if self.cancelled():
            raise Cancelled
        if self.passed():
            raise RepositoryOverLimit(
                f"The repository took longer than the {self.seconds:g} s limit to ingest"
            )

    def passed(self) -> bool:
        return time.monotonic() > self.at

    def remaining(self) -> float:
        return max(self.at - time.monotonic(), 0.001)


@attrs.frozen(eq=False)
class GitFile:
    """A regular file at HEAD; `read` inflates its blob from the pack."""

    path: str
    size: int
    _blob_id: bytes = attrs.field(alias="blob_id")
    _repo: Repo = attrs.field(alias="repo", repr=False)
    _deadline: Deadline = attrs.field(alias="deadline", repr=False)

    def read(self) -> bytes:
        self._deadline.check()
        with _malformed_objects():
            kind, data = self._repo.object_store.get_raw(self._blob_id)  # type: ignore[arg-type]
        if kind != BLOB or len(data) != self.size:
            raise RepositoryUnavailable(f"The repository's pack is inconsistent at {self.path}")
        return data


@attrs.frozen
class GitSnapshot:
    commit_id: str
    files: Sequence[GitFile]

    @property
    def total_bytes(self) -> int:
        return sum(file.size for file in self.files)


class DulwichRepositoryFetcher:
    """Fetches repositories over smart HTTP(S) into temporary directories under `work_dir`.

    With `isolated` (the default), the download, the pack scan, the indexing and the tree
    walk run in a child process (`adapters.dulwich_git.isolated`), killed at the deadline
    or when the fetch is cancelled: that work is CPU-bound Python, which in a thread
    would hold the GIL the event loop needs, and could only stop at its next check.
    Only reading the files, one bounded object at a time, happens in the caller's thread.
    """

    def __init__(self, work_dir: Path | None = None, isolated: bool = True) -> None:
        self._work_dir = work_dir
        self._isolated = isolated

    @contextmanager
    def fetch(
        self,
        clone_url: str,
        limits: RepositoryLimits,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> Iterator[GitSnapshot]:
        deadline = Deadline.after(limits.timeout_seconds, cancelled)
        if self._work_dir is not None:
            self._work_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="chatcore-git-", dir=self._work_dir) as tmp:
            path = Path(tmp) / "repo.git"
            if self._isolated:
                from adapters.dulwich_git.isolated import prepare_in_child

                listing = prepare_in_child(path, clone_url, limits, deadline)
            else:
                listing = prepare(path, clone_url, limits, deadline)
            repo = Repo(str(path))
            try:
                files = [
                    GitFile(file_path, size, blob_id=blob_id, repo=repo, deadline=deadline)
                    for file_path, size, blob_id in listing.files
                ]
                yield GitSnapshot(commit_id=listing.commit_id, files=files)
            finally:
                repo.close()


@attrs.frozen
class Listing:
    """What a prepared repository holds: HEAD's commit and its regular files, by path."""

    commit_id: str
    files: list[tuple[str, int, bytes]]  # path, size, hex blob id


def prepare(path: Path, clone_url: str, limits: RepositoryLimits, deadline: Deadline) -> Listing:
    """Fetch HEAD into a new bare repository at `path`, index it, and list its files,
    every limit checked; the files are read later from the repository."""
    repo = Repo.init_bare(str(path), mkdir=True)
    try:
        commit_id, sizes = _download(repo, clone_url, limits, deadline)
        with _malformed_objects():
            return _listing(repo, commit_id, sizes, limits, deadline)
    finally:
        repo.close()


def _download(
    repo: Repo, clone_url: str, limits: RepositoryLimits, deadline: Deadline
) -> tuple[bytes, dict[bytes, int]]:
    """Fetch HEAD at depth 1 into `repo`; its commit id and the size of every object."""
    parts = urlsplit(clone_url)
    client = HttpGitClient(
        f"{parts.scheme}://{parts.netloc}/",
        pool_manager=_pool_manager(deadline),
        config=None,
        thin_packs=False,
        quiet=True,
    )
    head: list[bytes] = []

    def wants(refs: dict[bytes, bytes], depth: int | None = None) -> list[bytes]:
        if client.dumb:
            # The dumb protocol downloads objects one by one, beyond the pack checks.
            raise RepositoryUnavailable(f"{clone_url} is not served by a smart git server")
        if b"HEAD" not in refs:
            raise RepositoryUnavailable(f"The repository {clone_url} has no commits")
        head.append(refs[b"HEAD"])
        return [refs[b"HEAD"]]

    store = repo.object_store
    # Our own file, not dulwich's add_pack: its commit indexes the pack in one call that
    # no deadline can interrupt, and a pack of deltas can keep it busy for many seconds.
    # Not named pack-*, so the store ignores it until it is indexed.
    incoming = Path(store.pack_dir) / "incoming.tmp"
    try:
        with open(incoming, "w+b") as pack:
            result = client.fetch_pack(
                parts.path,
                wants,  # type: ignore[arg-type]
                repo.get_graph_walker(),
                _capped_writer(pack, max_download_bytes(limits), deadline),
                progress=lambda _message: deadline.check(),
                depth=1,
                ref_prefix=[b"HEAD"],
            )
            if result.object_format not in (None, "sha1"):
                raise RepositoryUnavailable(f"{clone_url} uses {result.object_format} object ids")
            if not head:
                raise RepositoryUnavailable(f"The repository {clone_url} has no commits")
            if pack.tell() == 0:
                raise RepositoryUnavailable(f"The repository {clone_url} sent no objects")
            offsets = object_sizes(
                pack,
                max_object_bytes(limits),
                check_time=deadline.check,
                max_objects=max_pack_objects(limits),
                max_total_bytes=max_declared_bytes(limits),
            )
    except (RepositoryFetchFailed, Cancelled):
        raise
    except Exception as error:
        # A socket timeout cut short to the deadline is the time limit, not the network.
        deadline.check()
        raise _unavailable(clone_url, error) from error
    with _malformed_objects():
        entries = _index(store, incoming, deadline)
    sizes: dict[bytes, int] = {sha: offsets[offset] for sha, offset, _crc in entries}
    return head[0], sizes


def _index(store: DiskObjectStore, incoming: Path, deadline: Deadline) -> list[PackIndexEntry]:
    """Index the downloaded pack into the store, checking the deadline after every object.

    Thin packs were not asked for, so a delta whose base is not in the pack is malformed
    (no base is looked up in the store). Each object resolved between two checks is at
    most `max_object_bytes`, so the deadline is overrun by one object's work at most.
    """
    with PackData(str(incoming), store.object_format) as data:
        entries = sorted(data.iterentries(progress=lambda _done, _count: deadline.check()))
        checksum = data.calculate_checksum()
        if checksum != data.get_stored_checksum():
            raise RepositoryUnavailable("The repository's pack fails its checksum")
    base = Path(store.pack_dir) / f"pack-{checksum.hex()}"
    with open(f"{base}.idx", "wb") as index:
        write_pack_index_v2(index, entries, checksum)
    incoming.rename(f"{base}.pack")
    return entries


def _listing(
    repo: Repo,
    commit_id: bytes,
    sizes: dict[bytes, int],
    limits: RepositoryLimits,
    deadline: Deadline,
) -> Listing:
    store = repo.object_store
    try:
        commit = store[commit_id]  # type: ignore[index]
    except KeyError:
        raise RepositoryUnavailable("The repository's pack lacks its HEAD commit") from None
    if not isinstance(commit, Commit):
        raise RepositoryUnavailable("The repository's HEAD is not a commit")
    files: list[tuple[str, int, bytes]] = []
    total = 0
    walk = regular_files(
        store, commit.tree, limits.max_files, deadline.check, limits.max_tree_entries
    )
    for path, blob_id in walk:
        size = sizes.get(_binary(blob_id))
        if size is None:
            raise RepositoryUnavailable(f"The repository's pack lacks the content of {path}")
        if size > limits.max_file_bytes:
            raise RepositoryOverLimit(
                f"{path} is {size:,} bytes, over the {limits.max_file_bytes:,}-byte limit"
                " for one file"
            )
        total += size
        if total > limits.max_total_bytes:
            raise RepositoryOverLimit(
                f"The repository's files add up to more than the"
                f" {limits.max_total_bytes:,}-byte limit"
            )
        files.append((path, size, blob_id))
    files.sort()
    return Listing(commit_id=commit_id.decode("ascii"), files=files)


@contextmanager
def _malformed_objects() -> Iterator[None]:
    """Turn dulwich's complaints about the objects a server sent into the domain's error."""
    try:
        yield
    except (RepositoryFetchFailed, Cancelled):
        raise
    except Exception as error:
        raise RepositoryUnavailable(
            f"The repository sent malformed objects: {type(error).__name__}: {error}"
        ) from error


def _binary(hex_id: bytes) -> bytes:
    return bytes.fromhex(hex_id.decode("ascii"))


def _capped_writer(pack: BinaryIO, cap: int, deadline: Deadline) -> Callable[[bytes], int]:
    received = 0

    def write(data: bytes) -> int:
        nonlocal received
        received += len(data)
        if received > cap:
            raise RepositoryOverLimit(
                f"The repository's download passed {cap:,} bytes, beyond the size limits"
            )
        deadline.check()
        return pack.write(data)

    return write


def _pool_manager(deadline: Deadline) -> urllib3.PoolManager:
    # Our own pool manager, not dulwich's default: no proxy or git config from the
    # environment, no retries (an unreachable host fails once, fast), no redirects.
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(
            connect=min(CONNECT_TIMEOUT, deadline.remaining()),
            read=min(READ_TIMEOUT, deadline.remaining()),
        ),
        retries=False,
        headers={"User-Agent": "chatcore (dulwich)"},
        cert_reqs="CERT_REQUIRED",
    )


def _unavailable(clone_url: str, error: Exception) -> RepositoryUnavailable:
    if isinstance(error, NotGitRepository):
        reason = "no repository there (404)"
    elif isinstance(error, HTTPUnauthorized):
        reason = "it needs credentials; only public repositories can be fetched"
    elif isinstance(error, GitProtocolError | OSError):
        reason = str(error) or type(error).__name__
    else:
        reason = f"{type(error).__name__}: {error}"
    return RepositoryUnavailable(f"Could not fetch {clone_url}: {reason}")
