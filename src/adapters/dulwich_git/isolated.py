"""The CPU-bound part of a fetch, in a child process that can be killed at the deadline.

Scanning and indexing a pack and walking its trees is Python code that holds the GIL:
in a thread of the server it slows every request the event loop serves meanwhile (a
tree bomb took GET /users/me from 1 ms to a p99 of 50-90 ms), and it can only stop at
its next check. In a child, the server's threads only wait on a pipe, and the deadline
(or a shutdown) is a kill. The child runs `python -m adapters.dulwich_git.isolated` with
the job as JSON on its standard input, prepares the repository in the parent's
temporary directory, and writes the listing (or the reason it failed) to a file there.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import attrs

from adapters.dulwich_git.fetcher import Deadline, Listing, prepare
from chatcore.repositories.limits import RepositoryLimits
from chatcore.shared.errors import RepositoryOverLimit, RepositoryUnavailable

POLL_SECONDS = 0.05  # how often the parent looks at the deadline and the cancel flag
CHILD_NICENESS = 10
_ERRORS: dict[str, type[RepositoryUnavailable] | type[RepositoryOverLimit]] = {
    "unavailable": RepositoryUnavailable,
    "over_limit": RepositoryOverLimit,
}


def prepare_in_child(
    path: Path, clone_url: str, limits: RepositoryLimits, deadline: Deadline
) -> Listing:
    """`fetcher.prepare` in a child process; the child is killed at the deadline or when
    the fetch is cancelled, and its errors are raised here as they were raised there."""
    result = path.with_name("listing.json")
    errors = path.with_name("child-errors.txt")
    job = {
        "path": str(path),
        "clone_url": clone_url,
        "limits": attrs.asdict(limits),
        # CLOCK_MONOTONIC is one clock for every process: the child keeps our deadline.
        "deadline_at": deadline.at,
        "result": str(result),
    }
    with errors.open("wb") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-m", "adapters.dulwich_git.isolated"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
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
                    # Raises Cancelled, or RepositoryOverLimit past the deadline.
                    deadline.check()
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    if code != 0 or not result.exists():
        detail = errors.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"the repository fetch process failed ({code}): {detail[0]}")
    answer = json.loads(result.read_text())
    if "error" in answer:
        raise _ERRORS[answer["error"]](answer["message"])
    files = [(file_path, size, blob.encode("ascii")) for file_path, size, blob in answer["files"]]
    return Listing(commit_id=answer["commit_id"], files=files)


def main() -> None:
    """The child: read the job, prepare the repository, write the listing or the reason."""
    # Background work: on a busy machine the server's requests come first.
    os.nice(CHILD_NICENESS)
    job = json.loads(sys.stdin.read())
    limits = RepositoryLimits(**job["limits"])
    deadline = Deadline(job["deadline_at"], limits.timeout_seconds)
    answer: dict[str, object]
    try:
        listing = prepare(Path(job["path"]), job["clone_url"], limits, deadline)
        answer = {
            "commit_id": listing.commit_id,
            "files": [(path, size, blob.decode("ascii")) for path, size, blob in listing.files],
        }
    except RepositoryOverLimit as error:
        answer = {"error": "over_limit", "message": error.message}
    except RepositoryUnavailable as error:
        answer = {"error": "unavailable", "message": error.message}
    written = Path(job["result"]).with_suffix(".tmp")
    written.write_text(json.dumps(answer))
    written.rename(job["result"])  # whole or absent: a kill never leaves half a listing


if __name__ == "__main__":
    main()
