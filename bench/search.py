"""Search at scale: a user with 100,000 messages and a 5,000-file repository.

    python -m bench.search [--messages 100000] [--files 5000] [--queries 400]

Two `chatcore serve` processes (SQLite), one with search on and one with it off
(CHATCORE_SEARCH=off), each with the same session of `--messages` messages (made-up words
over a Zipf vocabulary, see bench.search_corpus; sent through the use case in this
process, over the server's database); the first also gets a repository artifact of
`--files` source-like files served by the tests' git server, through the API. Every text
is indexed as it is written. Then, one request at a time (latency, not throughput):

- two-word queries, words drawn evenly from ranks 100–5,000 of the vocabulary (what people
  search for: words that tell texts apart), then from ranks 10–100 (common words, many
  matches): p50 and p99;
- prefix queries (three letters and `*`, of words of ranks 100–2,000): p50 and p99;

and, with wrk, POST a message on both servers, runs interleaved: req/s with the index on
over req/s with it off. Servers are pinned to CPU 0 and the clients to CPU 1 where taskset
and two cores exist.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.run import Scenario, pinned, wrk
from bench.search_corpus import Corpus
from chatcore.shared.ids import UserId
from entrypoints.bootstrap import build
from entrypoints.config import Settings
from tests.contract.api.server import ChatcoreServer
from tests.git_server import GitHttpServer, make_repository

PASSWORD = "bench password 1"
RESULTS = Path(__file__).resolve().parent / "results"


class Served:
    """A chatcore server pinned to CPU 0, a signed-in user and a session."""

    def __init__(self, data_dir: Path, env: dict[str, str]) -> None:
        self.server = ChatcoreServer(data_dir, {"CHATCORE_RATE_LIMITS": "off", **env})

    def __enter__(self) -> "Served":
        self.server.start()
        if pinned(0):  # as bench.run's servers: the clients get the other core
            subprocess.run(["taskset", "-cp", "0", str(self.server.pid)], capture_output=True)
        made = self.server.cli(
            "create-user", "--email", "bench@example.com", "--username", "bench",
            "--password", PASSWORD, "--verified",
        )  # fmt: skip
        if made.returncode != 0:
            raise RuntimeError(made.stderr)
        self.http = httpx.Client(base_url=self.server.url, timeout=120)
        login = {"username": "bench@example.com", "password": PASSWORD}
        signed_in = self.http.post("/auths/login", data=login).json()
        self.token, self.user_id = signed_in["access_token"], signed_in["id"]
        self.http.headers["Authorization"] = f"Bearer {self.token}"
        self.session = self.http.post("/chat/sessions", json={}).json()["_id"]
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()
        self.server.stop()


def fill(served: Served, texts: list[str]) -> None:
    """Send the messages through the use case, in this process, over the server's data:
    the same code path as the API (the index written in each message's transaction), at a
    fraction of the time 100,000 requests would take on a loaded machine."""
    settings = Settings.from_env(environ=served.server.env, dotenv=None)
    with build(settings) as runtime:
        user = runtime.core.ports.users.get(UserId(served.user_id))
        assert user is not None
        for content in texts:
            runtime.core.sessions.send_message(user, served.session, content)


def ingest(served: Served, source: str) -> float:
    started = time.monotonic()
    created = served.http.post(
        f"/chat/sessions/{served.session}/artifacts", json={"type": "repository", "source": source}
    )
    created.raise_for_status()
    path = f"/chat/sessions/{served.session}/artifacts/{created.json()['id']}"
    while True:
        metadata = served.http.get(path).json()["metadata"]
        if metadata["status"] == "ready":
            return time.monotonic() - started
        if metadata["status"] == "failed":
            raise RuntimeError(metadata["error"])
        time.sleep(0.05)


def latencies(served: Served, queries: list[str]) -> dict[str, float]:
    times = []
    hits = []
    for q in queries[:20]:  # warm-up
        served.http.get("/chat/search", params={"q": q})
    for q in queries:
        started = time.perf_counter()
        response = served.http.get("/chat/search", params={"q": q})
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
        hits.append(len(response.json()["results"]))
    times.sort()
    return {
        "queries": len(queries),
        "p50_ms": statistics.median(times) * 1000,
        "p99_ms": times[min(len(times) - 1, int(len(times) * 0.99))] * 1000,
        "max_ms": times[-1] * 1000,
        "with_results": sum(1 for n in hits if n) / len(hits),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=5_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3, help="wrk runs per server (POST)")
    args = parser.parse_args()
    corpus = Corpus()
    results: dict[str, Any] = {"messages": args.messages, "files": args.files}
    with tempfile.TemporaryDirectory(prefix="chatcore-bench-search-") as root_dir:
        root = Path(root_dir)
        files = {f"src/pkg{i % 40}/module_{i}.py": corpus.source_file() for i in range(args.files)}
        make_repository(root, "bench/project.git", files)
        with (
            GitHttpServer(root) as git,
            Served(root / "on", {"CHATCORE_REPOSITORY_ALLOWED_URLS": git.base_url}) as on,
            Served(root / "off", {"CHATCORE_SEARCH": "off"}) as off,
        ):
            # The same messages on both servers: the two databases differ in the index only.
            texts = [corpus.message() for _ in range(args.messages)]
            for name, served in (("on", on), ("off", off)):
                started = time.monotonic()
                fill(served, texts)
                results[f"seed_messages_{name}_s"] = time.monotonic() - started
            results["ingest_repository_s"] = ingest(on, git.url("bench/project.git"))
            print(f"seeded: {results}", flush=True)
            n = args.queries
            results["two_words"] = latencies(on, corpus.two_word_queries(n, range(100, 5001)))
            results["two_common_words"] = latencies(on, corpus.two_word_queries(n, range(10, 101)))
            results["prefix"] = latencies(on, corpus.prefix_queries(n, range(100, 2001)))
            body = json.dumps({"content": corpus.message()})
            rps: dict[str, list[float]] = {"on": [], "off": []}
            for served in (on, off):  # warm-up
                post = Scenario("POST", "POST", f"/chat/sessions/{served.session}/messages", body)
                wrk(served.server.port, post, served.token, 3, 16)
            for _ in range(args.runs):
                for name, served in (("on", on), ("off", off)):
                    post = Scenario(
                        "POST", "POST", f"/chat/sessions/{served.session}/messages", body
                    )
                    rps[name].append(wrk(served.server.port, post, served.token, 10, 16).rps)
            results["post_rps_on"] = statistics.median(rps["on"])
            results["post_rps_off"] = statistics.median(rps["off"])
            results["post_fraction"] = results["post_rps_on"] / results["post_rps_off"]
    for name in ("two_words", "two_common_words", "prefix"):
        figures = results[name]
        print(
            f"{name:18} p50 {figures['p50_ms']:6.1f} ms  p99 {figures['p99_ms']:6.1f} ms"
            f"  max {figures['max_ms']:6.1f} ms  ({figures['with_results']:.0%} found something)"
        )
    print(
        f"POST a message: {results['post_rps_on']:.0f} req/s with the index,"
        f" {results['post_rps_off']:.0f} without ({results['post_fraction']:.0%})"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / time.strftime("search-%Y%m%d-%H%M%S.json")
    path.write_text(json.dumps(results, indent=2))
    print(f"figures written to {path}")


if __name__ == "__main__":
    sys.exit(main())
