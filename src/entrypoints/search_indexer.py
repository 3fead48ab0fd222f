"""The thread that indexes, once, what existed before the search index did.

Started with the server: it runs the backfill batch by batch, logging its progress, and
stops when it is done (a second start finds it done and returns at once). A stop or a
crash leaves a mark in the database: the next start resumes from there. Searches work
meanwhile; until it is done they miss the old texts not yet reached.
"""

import logging
import threading

from chatcore.search.indexing import IndexingProgress, SearchBackfill

log = logging.getLogger("chatcore.search")


def log_progress(progress: IndexingProgress) -> None:
    """Log one batch of the first indexing as it goes."""
    if progress.done:
        log.info(
            "search index: old %s done (%d read, %d texts indexed by this run)",
            progress.source,
            progress.items,
            progress.texts,
        )
    else:
        log.info(
            "search index: indexing old %s, %d read, %d texts indexed so far",
            progress.source,
            progress.items,
            progress.texts,
        )


class SearchIndexer:
    def __init__(self, backfill: SearchBackfill) -> None:
        self.backfill = backfill
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start indexing what existed before (once per process)."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self.run, name="chatcore-search", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the batch in progress; the next start resumes from there."""
        if self._thread is None:
            return
        self._stopping.set()
        self._thread.join(timeout)
        self._thread = None

    def run(self) -> bool:
        """Index until done or stopped; log, never raise. True once everything is indexed."""
        try:
            return self.backfill.run(stop=self._stopping.is_set)
        except Exception:
            log.exception("search index: the first indexing failed; the next start resumes it")
            return False
