"""Repositories held in memory, by clone URL: the fetcher for unit tests and offline hosts."""

import hashlib
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager

import attrs

from chatcore.repositories.limits import RepositoryLimits
from chatcore.shared.errors import Cancelled, RepositoryOverLimit, RepositoryUnavailable


@attrs.frozen
class MemoryRepositoryFile:
    path: str
    data: bytes = attrs.field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)

    def read(self) -> bytes:
        return self.data


@attrs.frozen
class MemorySnapshot:
    commit_id: str
    files: Sequence[MemoryRepositoryFile]

    @property
    def total_bytes(self) -> int:
        return sum(file.size for file in self.files)


class MemoryRepositoryFetcher:
    """Serves the repositories `publish`ed to it; any other URL is unavailable.

    The limits are applied as the dulwich fetcher applies them, except time.
    """

    def __init__(self) -> None:
        self._repositories: dict[str, dict[str, bytes]] = {}
        self._lock = threading.Lock()
        self.fetches: list[str] = []  # the URLs fetched, in order

    def publish(self, clone_url: str, files: Mapping[str, bytes]) -> None:
        """Serve `files` at `clone_url` from now on (an empty mapping: a repository with no
        commit)."""
        with self._lock:
            self._repositories[clone_url] = dict(files)

    @contextmanager
    def fetch(
        self,
        clone_url: str,
        limits: RepositoryLimits,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> Iterator[MemorySnapshot]:
        if cancelled():
            raise Cancelled
        with self._lock:
            self.fetches.append(clone_url)
            files = self._repositories.get(clone_url)
        if files is None:
            raise RepositoryUnavailable(f"Could not fetch {clone_url}: no repository there (404)")
        if not files:
            raise RepositoryUnavailable(f"The repository {clone_url} has no commits")
        if len(files) > limits.max_files:
            raise RepositoryOverLimit(
                f"The repository has more than the {limits.max_files:,}-file limit"
            )
        for path, data in files.items():
            if len(data) > limits.max_file_bytes:
                raise RepositoryOverLimit(f"{path} is over the limit for one file")
        if sum(len(data) for data in files.values()) > limits.max_total_bytes:
            raise RepositoryOverLimit("The repository's files add up to more than the limit")
        digest = hashlib.sha1(repr(sorted(files.items())).encode(), usedforsecurity=False)
        yield MemorySnapshot(
            commit_id=digest.hexdigest(),
            files=[MemoryRepositoryFile(path, files[path]) for path in sorted(files)],
        )
