"""Time the dulwich repository fetcher against `git clone --depth 1` of the same repository.

    python -m bench.ingest [--files 5000] [--runs 5]

A repository of `--files` small files in nested folders is made with `git`, served on
loopback by `git http-backend` (the tests' server), and fetched alternately by (a) the
dulwich adapter, listing and reading every file, (b) `git clone --depth 1`, which also
writes every file to disk, and (c) the same with `--no-checkout` (download and index
only, then `git ls-tree`), the part of git's work that matches the adapter's, and
(d) the whole API: `chatcore serve` (SQLite, files in its data dir) is asked to create a
repository artifact, and polled every 20 ms until it is ready — the time a user waits.
Runs alternate so that drift on a shared machine hits all alike; the table shows
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

import httpx

from adapters.dulwich_git import DulwichRepositoryFetcher
from chatcore.repositories.limits import RepositoryLimits
from tests.contract.api.server import ChatcoreServer
from tests.git_server import GIT_ENV, GitHttpServer, make_repository

PASSWORD = "bench password 1"


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


class ApiIngestion:
    """A chatcore server that ingests from the bench's git server, and a signed-in user."""

    def __init__(self, data_dir: Path, allowed: str) -> None:
        self.server = ChatcoreServer(
            data_dir,
            {
                "CHATCORE_REPOSITORY_ALLOWED_URLS": allowed,
                "CHATCORE_RATE_LIMITS": "off",
                "CHATCORE_REPOSITORY_POLL_SECONDS": "1",
            },
        )

    def __enter__(self) -> "ApiIngestion":
        self.server.start()
        made = self.server.cli(
            "create-user", "--email", "bench@example.com", "--username", "bench",
            "--password", PASSWORD, "--verified",
        )  # fmt: skip
        if made.returncode != 0:
            raise RuntimeError(made.stderr)
        self.http = httpx.Client(base_url=self.server.url, timeout=60)
        login = {"username": "bench@example.com", "password": PASSWORD}
        token = self.http.post("/auths/login", data=login).json()["access_token"]
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.session = self.http.post("/chat/sessions", json={}).json()["_id"]
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()
        self.server.stop()

    def ingest(self, url: str, work: Path) -> int:
        """Create the artifact and poll until it is no longer pending; its files_count."""
        created = self.http.post(
            f"/chat/sessions/{self.session}/artifacts", json={"type": "repository", "source": url}
        )
        created.raise_for_status()
        path = f"/chat/sessions/{self.session}/artifacts/{created.json()['id']}"
        while True:
            metadata = self.http.get(path).json()["metadata"]
            if metadata["status"] == "ready":
                count: int = metadata["files_count"]
                return count
            if metadata["status"] == "failed":
                raise RuntimeError(metadata["error"])
            time.sleep(0.02)


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
        with (
            GitHttpServer(Path(root)) as server,
            ApiIngestion(Path(root) / "chatcore", server.base_url) as api,
        ):
            contenders["API: create → ready (SQLite, files)"] = api.ingest
            times[next(reversed(contenders))] = []
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
    for name in list(times)[1:3]:
        print(f"dulwich / {name} (medians): {ours / statistics.median(times[name]):.2f}")
    api = statistics.median(times["API: create → ready (SQLite, files)"])
    clone = statistics.median(times["git clone --depth 1"])
    print(f"API create → ready / git clone --depth 1 (medians): {api / clone:.2f}")
    return times


if __name__ == "__main__":
    main(sys.argv[1:])
