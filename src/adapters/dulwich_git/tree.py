"""The regular files of a git tree, walked from the object store with their paths checked.

The tree comes from a server we do not trust, so every entry name is checked as git's own
fsck would: no empty, '.', '..' or slash-bearing names, and `.git` (in any case) skipped,
so no path in the result can leave the artifact or pose as repository metadata.
"""

import stat
from collections.abc import Callable, Iterator

from dulwich.object_store import BaseObjectStore
from dulwich.objects import Tree, TreeEntry

from chatcore.shared.errors import RepositoryOverLimit, RepositoryUnavailable


def regular_files(
    store: BaseObjectStore,
    tree_id: bytes,
    max_files: int,
    check_time: Callable[[], None],
    max_entries: int | None = None,
) -> Iterator[tuple[str, bytes]]:
    """(POSIX path, blob id) of each regular file under `tree_id`; symlinks and submodules
    skipped; RepositoryOverLimit as soon as there are more than `max_files`, or the walk
    has visited more than `max_entries` entries of any kind."""
    count = 0
    # Every entry counts, not only files: a few kilobytes of trees naming the same empty
    # tree thousands of times over would otherwise be walked until the deadline.
    visited = 0
    # A tree named many times is read from the pack, and sorted, once.
    trees: dict[bytes, list[TreeEntry]] = {}
    pending: list[tuple[str, bytes]] = [("", tree_id)]
    while pending:
        check_time()
        prefix, current = pending.pop()
        entries = trees.get(current)
        if entries is None:
            entries = trees[current] = list(_tree(store, current, prefix).iteritems())
        visited += len(entries)
        if max_entries is not None and visited > max_entries:
            raise RepositoryOverLimit(
                f"The repository's folders hold more than {max_entries:,} entries"
                " (files, folders, links and submodules), beyond the limits"
            )
        for entry in entries:
            name = _name(entry.path, prefix)
            if name.lower() == ".git":
                continue
            path = prefix + name
            mode = entry.mode
            if stat.S_ISDIR(mode):
                pending.append((path + "/", entry.sha))
            elif stat.S_ISREG(mode):  # not a symlink, not a submodule (a gitlink)
                count += 1
                if count > max_files:
                    raise RepositoryOverLimit(
                        f"The repository has more files than the limit of {max_files:,}"
                    )
                yield path, entry.sha


def _tree(store: BaseObjectStore, tree_id: bytes, prefix: str) -> Tree:
    try:
        tree = store[tree_id]  # type: ignore[index]
    except KeyError:
        raise RepositoryUnavailable(f"The repository's pack lacks the folder {prefix!r}") from None
    if not isinstance(tree, Tree):
        raise RepositoryUnavailable(f"The repository's folder {prefix!r} is not a tree")
    return tree


def _name(raw: bytes, prefix: str) -> str:
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RepositoryUnavailable(
            f"The repository has a file name that is not UTF-8 in {prefix or '/'!r}: {raw!r}"
        ) from None
    if name in ("", ".", "..") or "/" in name:
        raise RepositoryUnavailable(f"The repository has an unsafe path: {prefix + name!r}")
    return name
