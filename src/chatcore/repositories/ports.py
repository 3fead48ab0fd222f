"""What repository ingestion needs: a fetcher that reads a repository within limits."""

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from chatcore.repositories.limits import RepositoryLimits


class RepositoryFile(Protocol):
    """One regular file at a repository's HEAD; its bytes are read on demand."""

    @property
    def path(self) -> str:
        """Relative POSIX path; never empty, '.', '..' or under `.git`."""
        ...

    @property
    def size(self) -> int: ...

    def read(self) -> bytes:
        """The file's `size` bytes; RepositoryOverLimit once the time limit has passed."""
        ...


class RepositorySnapshot(Protocol):
    """A repository fetched within its limits: sizes are known before any file is read."""

    @property
    def commit_id(self) -> str:
        """The 40-hex-character id of the HEAD commit that was fetched."""
        ...

    @property
    def files(self) -> Sequence[RepositoryFile]:
        """The regular files, sorted by path; symlinks and submodules are left out."""
        ...

    @property
    def total_bytes(self) -> int: ...


class RepositoryFetcher(Protocol):
    def fetch(
        self,
        clone_url: str,
        limits: RepositoryLimits,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> AbstractContextManager[RepositorySnapshot]:
        """Shallow-fetch the default branch of an approved URL; the snapshot lives as long
        as the `with` block.

        RepositoryUnavailable when it cannot be fetched or read (unreachable, missing,
        empty, malformed); RepositoryOverLimit past any of `limits`, before any file is
        read when counts or sizes are over; Cancelled soon after `cancelled` answers True.
        """
        ...
