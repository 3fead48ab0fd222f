import contextlib
import os
import re
import secrets
import shutil
import tempfile
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

# Keys are slash-separated names of letters, digits, `_`, `-` and `.`, never starting
# with a dot: no `..`, no hidden files, nothing that could name a path outside the root
# (and the temporary files below, which start with a dot, can never be mistaken for one).
_PARALLEL_WRITES = 8
_QUEUED_WRITES = 4 * _PARALLEL_WRITES
_SEGMENT = re.compile(r"[A-Za-z0-9_\-][A-Za-z0-9_.\-]{0,254}")
# Owner only, whatever the umask: stored objects are users' uploads.
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def _private_folders(path: Path) -> None:
    # Path.mkdir(parents=True) gives the parents it makes the umask's mode, not `mode`.
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another writer made it first
            folder.mkdir(mode=PRIVATE_FOLDER)


class FileObjectStore:
    """Each object a file under `root`, written to a temporary file and renamed into place.

    The rename is atomic, and the temporary file is flushed to disk first, so that after
    a crash a key holds its old bytes or its new ones, never half of them.
    """

    def __init__(self, root: Path) -> None:
        self._root = root.resolve()
        _private_folders(self._root)

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        path = self._path(key)
        draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
        size = 0
        try:
            with self._create(draft) as file:
                for chunk in chunks:
                    file.write(chunk)
                    size += len(chunk)
                file.flush()
                os.fsync(file.fileno())
            os.replace(draft, path)
        except BaseException:
            draft.unlink(missing_ok=True)
            self._tidy(draft)
            raise
        return size

    def put_many(self, objects: Iterable[tuple[str, bytes]]) -> None:
        # Each put waits on its fsync; several in flight let the file system commit them
        # together (5,000 files one by one spent most of a repository's ingestion there).
        pending: deque[Future[int]] = deque()
        with ThreadPoolExecutor(_PARALLEL_WRITES, thread_name_prefix="chatcore-objects") as pool:
            for key, data in objects:
                pending.append(pool.submit(self.put, key, (data,)))
                while len(pending) > _QUEUED_WRITES:  # bounded: a repository is not held whole
                    pending.popleft().result()
        for future in pending:
            future.result()

    def open(self, key: str) -> BinaryIO | None:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        self._tidy(path)

    def delete_under(self, folder: str) -> None:
        path = self._path(folder)
        try:
            shutil.rmtree(path)
        except FileNotFoundError:
            return
        self._tidy(path)

    def copy_to(self, destination: Path) -> int:
        """Copy every stored object under `destination` (made, or empty); how many.

        Objects are written to a temporary name and renamed into place, so each file seen
        here is whole; temporary drafts (dot names) are left out.
        """
        copied = 0
        for folder, folders, files in os.walk(self._root):
            folders[:] = sorted(name for name in folders if not name.startswith("."))
            relative = Path(folder).relative_to(self._root)
            for name in sorted(files):
                if name.startswith("."):
                    continue
                target = destination / relative / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(Path(folder) / name, target)
                copied += 1
        return copied

    def ping(self) -> None:
        # Writing is what fails first (a full disk, a read-only or vanished mount), and
        # what stat and access() cannot tell (root passes every permission check). The
        # probe starts with a dot: it can never be a key, nor be mistaken for one.
        with tempfile.NamedTemporaryFile(dir=self._root, prefix=".ready.", suffix=".tmp"):
            pass

    def _tidy(self, removed: Path) -> None:
        # Remove the folders that `removed` left empty, up to the root; one in use stops it.
        for parent in removed.parents:
            if parent == self._root:
                break
            try:
                parent.rmdir()
            except OSError:
                break

    def _create(self, draft: Path) -> BinaryIO:
        for attempt in (1, 2):
            _private_folders(draft.parent)
            try:
                fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
                return os.fdopen(fd, "wb")
            except FileNotFoundError:
                # A delete tidied the folder away between mkdir and open: make it again.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _path(self, key: str) -> Path:
        segments = key.split("/")
        if not all(_SEGMENT.fullmatch(segment) for segment in segments):
            raise ValueError(f"Invalid object key: {key!r}")
        path = self._root.joinpath(*segments)
        # Belt and braces: the pattern already rules out every way out of the root.
        if self._root not in path.parents:
            raise ValueError(f"Invalid object key: {key!r}")
        return path
