"""Extracting the text of large PDFs: time, the child's peak memory, the caller's growth.

    python -m bench.text_extract [--pages 300] [--megabytes 50]

Makes two PDFs with the test suite's makers (tests/documents.py): one of `--pages` pages
of text (two paragraphs a page, about 2,200 characters, Greek and Cyrillic among them),
and one of about `--megabytes` MiB (a page of words and a large picture). Each is read
once through the TextExtractor adapter, as the worker reads uploads: the figures are the
wall time, the child's peak resident set (it does the parsing) and the growth of this
process's peak resident set (the worker's side: copying the document through, reading
the text back).
"""

import argparse
import io
import os
import resource
import time

from adapters.text_extraction import IsolatedTextExtractor
from chatcore.artifacts.texts import MIB, DocumentFormat, TextLimits
from tests import documents


def peak_rss() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def measure(name: str, data: bytes) -> None:
    # Resets this process's peak (Linux 4.0+), so the growth is this extraction's alone.
    with open(f"/proc/{os.getpid()}/clear_refs", "w", encoding="ascii") as clear:
        clear.write("5")
    before = peak_rss()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    document = IsolatedTextExtractor().extract(
        io.BytesIO(data), DocumentFormat.PDF, TextLimits(), cancelled=lambda: False
    )
    seconds = time.perf_counter() - started
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        f"{name}: {len(data) / MIB:.1f} MiB, {document.status}, {len(document.text):,} characters"
        f"{' (truncated)' if document.truncated else ''}; {seconds:.2f} s;"
        f" child peak RSS {child_peak / 1024:.0f} MiB"
        f"{'' if child_peak > children_before else ' (at most)'};"
        f" caller's peak RSS grew {(peak_rss() - before) / MIB:.1f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--megabytes", type=int, default=50)
    arguments = parser.parse_args()
    pages = documents.pdf_document(arguments.pages, scale=4)
    large = documents.large_pdf(arguments.megabytes)
    measure(f"{arguments.pages}-page PDF", pages)
    del pages
    measure(f"{arguments.megabytes} MiB PDF", large)


if __name__ == "__main__":
    main()
