"""Time the dulwich repository fetcher against `git clone --depth 1` of the same repository.

    python -m bench.ingest [--files 5000] [--runs 5]

A repository of `--files` small files in nested folders is made with `git`, served on
loopback by `git http-backend` (the tests' server), and fetched alternately by (a) the
dulwich adapter, listing and reading every file, (b) `git clone --depth 1`, which also
writes every file to disk, and (c) the same with `--no-checkout` (download and index
only, then `git ls-tree`), the part of git's work that matches the adapter's. Runs
alternate so that drift on a shared machine hits all alike; the table shows
min/median/max seconds.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from adapters.dulwich_git import DulwichRepositoryFetcher
from chatcore.repository_limits import RepositoryLimits
from tests.git_server import GIT_ENV, GitHttpServer, make_repository


def project(count: int) -> dict[str, bytes]:
    """`count` small source-like files spread over a few levels of folders."""
    return {
        f"src/pkg{i % 25}/sub{i % 8}/module_{i}.py": (
            f'"""Module {i}."""\n\nVALUE = {i}\n\n\ndef f_{i}(x: int) -> int:\n'
            f"    return x * {i % 97} + VALUE\n"
        ).encode()
        for i in range(count)
    }


def fetch_with_dulwich(url: str, work: Path) -> int:
    fetcher = DulwichRepositoryFetcher(work)
    with fetcher.fetch(url, RepositoryLimits()) as snapshot:
        read = sum(len(file.read()) for file in snapshot.files)
        assert read == snapshot.total_bytes
        return len(snapshot.files)


def clone_with_git(url: str, work: Path) -> int:
    target = work / "clone"
    _git_clone(url, target)
    count = sum(len(files) for folder, _, files in os.walk(target) if ".git" not in folder)
    shutil.rmtree(target)
    return count


def clone_with_git_no_checkout(url: str, work: Path) -> int:
    target = work / "clone"
    _git_clone(url, target, "--no-checkout")
    listing = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", "HEAD"],
        cwd=target,
        capture_output=True,
        check=True,
    ).stdout
    shutil.rmtree(target)
    return len(listing.splitlines())


def _git_clone(url: str, target: Path, *options: str) -> None:
    subprocess.run(
        ["git", "clone", "--quiet", "--depth", "1", *options, url, str(target)],
        env={**os.environ, **GIT_ENV},
        check=True,
    )


def timed(run: Callable[[str, Path], int], url: str, expected: int) -> float:
    with tempfile.TemporaryDirectory(prefix="chatcore-bench-") as work:
        started = time.perf_counter()
        count = run(url, Path(work))
        elapsed = time.perf_counter() - started
    if count != expected:
        raise RuntimeError(f"{run.__name__} saw {count} files, not {expected}")
    return elapsed


def main(argv: Sequence[str] | None = None) -> dict[str, list[float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    contenders = {
        "dulwich fetch + read all": fetch_with_dulwich,
        "git clone --depth 1": clone_with_git,
        "git clone --depth 1 --no-checkout": clone_with_git_no_checkout,
    }
    times: dict[str, list[float]] = {name: [] for name in contenders}
    with tempfile.TemporaryDirectory(prefix="chatcore-bench-git-") as root:
        started = time.perf_counter()
        make_repository(Path(root), "bench/project.git", project(args.files))
        print(f"made a {args.files:,}-file repository in {time.perf_counter() - started:.2f} s")
        with GitHttpServer(Path(root)) as server:
            url = server.url("bench/project.git")
            for run in contenders.values():
                timed(run, url, args.files)  # warm-up: page cache, first-run imports
            for _ in range(args.runs):
                for name, run in contenders.items():
                    times[name].append(timed(run, url, args.files))
    print(f"\n{args.files:,} files, {args.runs} runs each (seconds)")
    width = max(map(len, times))
    print(f"{'':{width}} {'min':>7} {'median':>7} {'max':>7}")
    for name, values in times.items():
        low, middle, high = min(values), statistics.median(values), max(values)
        print(f"{name:{width}} {low:7.3f} {middle:7.3f} {high:7.3f}")
    ours = statistics.median(times["dulwich fetch + read all"])
    for name in list(times)[1:]:
        print(f"dulwich / {name} (medians): {ours / statistics.median(times[name]):.2f}")
    return times


if __name__ == "__main__":
    main(sys.argv[1:])
