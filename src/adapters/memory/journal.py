"""The memory unit of work: an undo journal the memory repositories write to.

Inside `atomic()` every write of a memory repository first records how to undo itself
(the stored value it replaces, or a closure); a block that raises runs its undos newest
first. Outside a block recording costs one thread-local lookup, so the memory build stays
as fast as it was. Blocks belong to their thread (two threads' blocks never undo each
other's writes) but isolate nothing: other threads see a block's writes at once, and a
rollback restores what the block found even if another thread wrote the same record
meanwhile. That is enough for tests and one process's development server.
"""

import copy
import threading
from collections.abc import Callable, Hashable, Iterator, MutableMapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any

Undo = Callable[[], None]
_MISSING = object()


class Journal:
    """The undos of this thread's open block; a repository made alone gets one never opened."""

    def __init__(self) -> None:
        self._local = threading.local()

    @property
    def recording(self) -> bool:
        return getattr(self._local, "undos", None) is not None

    def record(self, undo: Undo) -> None:
        """Remember how to undo a write that has just been made (or is about to be)."""
        undos: list[Undo] | None = getattr(self._local, "undos", None)
        if undos is not None:
            undos.append(undo)

    def keep(
        self, store: MutableMapping[Any, Any], key: Hashable, lock: AbstractContextManager[Any]
    ) -> None:
        """Remember `store[key]` as it is now (a shallow copy: writes mutate it in place)."""
        if not self.recording:
            return
        old = store.get(key, _MISSING)
        kept = old if old is _MISSING else copy.copy(old)

        def restore() -> None:
            with lock:
                if kept is _MISSING:
                    store.pop(key, None)
                else:
                    store[key] = kept

        self.record(restore)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Undo the block's writes if it raises; an inner block undoes only its own."""
        undos: list[Undo] | None = getattr(self._local, "undos", None)
        outer = undos is not None
        if undos is None:
            undos = self._local.undos = []
        mark = len(undos)
        try:
            yield
        except BaseException:
            while len(undos) > mark:
                undos.pop()()
            raise
        finally:
            if not outer:
                self._local.undos = None


class MemoryUnitOfWork:
    """The UnitOfWork of a memory database: its repositories' shared journal."""

    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    def atomic(self) -> AbstractContextManager[None]:
        return self._journal.atomic()
