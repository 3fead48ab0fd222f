"""Text extraction in a child process with bounded memory, killed at the deadline.

Parsing a document is CPU-bound Python that holds the GIL (in a thread of the server it
would slow every request meanwhile), and a hostile document can ask for any amount of
memory or time. In a child it can do neither to the server: the child's address space
is capped (RLIMIT_AS, inherited by catdoc), and at the deadline, or when the job is
cancelled, its whole process group is killed. The child runs
`python -m adapters.text_extraction.isolated` with the job as JSON on its standard input,
reads the document from the parent's temporary folder, and writes the text and its
outcome there.
"""

import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from adapters.text_extraction.plain import plain_text
from chatcore.artifacts.texts import MIB, DocumentFormat, DocumentText, TextLimits, TextStatus
from chatcore.shared.errors import Cancelled

POLL_SECONDS = 0.05  # how often the parent looks at the deadline and the cancel flag
CHILD_NICENESS = 10
COPY_BYTES = 1024 * 1024


class IsolatedTextExtractor:
    """The TextExtractor port: each document read by a child process of its own."""

    def __init__(self, temporary_folder: Path | None = None) -> None:
        self.temporary_folder = temporary_folder

    def extract(
        self,
        document: BinaryIO,
        format: DocumentFormat,
        limits: TextLimits,
        cancelled: Callable[[], bool],
    ) -> DocumentText:
        if format is DocumentFormat.TXT:
            return plain_text(document, limits.max_chars)
        if self.temporary_folder is not None:
            # Owner only, as the data dir: the copies are users' documents.
            self.temporary_folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(
            prefix="chatcore-text-", dir=self.temporary_folder
        ) as folder:
            path = Path(folder) / "document"
            with path.open("wb") as copy:
                shutil.copyfileobj(document, copy, COPY_BYTES)
            return _in_child(path, format, limits, cancelled)


def _in_child(
    path: Path, format: DocumentFormat, limits: TextLimits, cancelled: Callable[[], bool]
) -> DocumentText:
    folder = path.parent
    job = {
        "path": str(path),
        "format": format.value,
        "max_chars": limits.max_chars,
        "max_memory_bytes": limits.max_memory_bytes,
    }
    deadline = time.monotonic() + limits.timeout_seconds
    with (folder / "errors.txt").open("wb") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-m", "adapters.text_extraction.isolated"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            # A group of its own: a kill takes catdoc (the child's child) with it.
            start_new_session=True,
        )
        try:
            assert child.stdin is not None
            child.stdin.write(json.dumps(job).encode())
            child.stdin.close()
            while True:
                try:
                    code = child.wait(POLL_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    if cancelled():
                        raise Cancelled("Text extraction was cancelled") from None
                    if time.monotonic() >= deadline:
                        return DocumentText.failed(
                            f"Reading the document took longer than {limits.timeout_seconds:g}"
                            " seconds"
                        )
        finally:
            if child.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGKILL)
                child.wait()
    outcome = folder / "outcome.json"
    if code != 0 or not outcome.exists():
        return DocumentText.failed(_death(code, folder / "errors.txt", limits))
    answer = json.loads(outcome.read_text())
    status = TextStatus(answer["status"])
    if status is not TextStatus.READY:
        return DocumentText(status, reason=answer["reason"])
    text = (folder / "text.txt").read_text(encoding="utf-8")
    return DocumentText.ready(text, answer["truncated"])


def _death(code: int, errors: Path, limits: TextLimits) -> str:
    last = errors.read_text(errors="replace").strip().splitlines()[-1:]
    if last and "MemoryError" in last[0]:
        return _over_memory(limits.max_memory_bytes)
    return f"The document could not be read: the extractor stopped ({code})"


def _over_memory(max_memory_bytes: int) -> str:
    return f"Reading the document needs more than {max_memory_bytes // MIB} MiB of memory"


def read_document(path: Path, format: DocumentFormat, max_chars: int) -> DocumentText:
    """Read one document file (in the child); malformed ones are `failed`, not errors."""
    # Imported here: only the child pays for pypdf, and only under its memory cap.
    from adapters.text_extraction.doc import doc_text
    from adapters.text_extraction.docx import docx_text
    from adapters.text_extraction.pdf import pdf_text

    readers: dict[DocumentFormat, Callable[[Path, int], DocumentText]] = {
        DocumentFormat.PDF: pdf_text,
        DocumentFormat.DOCX: docx_text,
        DocumentFormat.DOC: doc_text,
        DocumentFormat.TXT: _plain_file,
    }
    try:
        return readers[format](path, max_chars)
    except MemoryError:
        raise
    except Exception as error:
        # pypdf answers a malformed file with many kinds of errors; each is a reason.
        name = {DocumentFormat.DOC: ".doc file"}.get(format, format.value.upper())
        detail = str(error) or type(error).__name__
        return DocumentText.failed(f"The {name} could not be read: {detail}")


def _plain_file(path: Path, max_chars: int) -> DocumentText:
    with path.open("rb") as document:
        return plain_text(document, max_chars)


def main() -> None:
    """The child: cap its memory, read the document, write the text and the outcome."""
    # Background work: on a busy machine the server's requests come first.
    os.nice(CHILD_NICENESS)
    job = json.loads(sys.stdin.read())
    cap = job["max_memory_bytes"]
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    folder = Path(job["path"]).parent
    try:
        document = read_document(Path(job["path"]), DocumentFormat(job["format"]), job["max_chars"])
    except MemoryError:
        document = DocumentText.failed(_over_memory(cap))
    if document.status is TextStatus.READY:
        (folder / "text.txt").write_text(document.text, encoding="utf-8")
    outcome = {
        "status": document.status.value,
        "truncated": document.truncated,
        "reason": document.reason,
    }
    written = folder / "outcome.tmp"
    written.write_text(json.dumps(outcome))
    written.rename(folder / "outcome.json")  # whole or absent: a kill never leaves half


if __name__ == "__main__":
    main()
