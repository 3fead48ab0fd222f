"""Where a request's CPU goes: py-spy samples of the served server, summed by layer.

    python -m bench.profile [--only SCENARIO]... [--seconds 10] [--rate 400] [--raw DIR]

chatcore is served and seeded as `bench.run` does it (one worker on CPU 0, wrk on CPU 1),
then each scenario runs under wrk while `py-spy record` samples the server. Every sample
is charged to the innermost layer its stack is in (uvicorn, the request log, the security
headers, the rate limits, routing, authentication, the handler and use case, SQLite,
JSON…), and the shares are multiplied by the CPU µs per request read from /proc in the
same run: a per-request budget, layer by layer. Samples of other threads (the ingestion
pollers, the mail sender) are counted apart: they are not the request's, but they share
its core. py-spy must be installed (`pip install py-spy`); it is a profiling tool, not a
dependency of chatcore.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import attrs

from bench.run import (
    LIMIT_CLASSES,
    Profile,
    Scenario,
    cpu_seconds,
    free_port,
    scenarios,
    seed,
    served,
    wrk,
)

# (pattern on "function (file)", layer), tried from the innermost frame outwards: the
# first layer found is the sample's. More specific patterns come first.
LAYERS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), layer)
    for p, layer in [
        (r"\((json|orjson)/|\(orjson|\bjson_line\b|render \(starlette/responses", "JSON"),
        # The *Out values and their encoding (cattrs, orjson: no Python frames of its own).
        (
            r"\(.*entrypoints/http/(converter|views)\.py"
            r"|\(<cattrs generated|\(<attrs generated methods entrypoints",
            "view + encoding (entity → *Out → bytes)",
        ),
        (r"\(.*adapters/sqlite/", "SQLite adapter"),
        (r"\(.*adapters/memory/rate_limiter", "rate limits"),
        (r"\(.*adapters/", "other adapters"),
        (r"\(.*(jwt|tokens\.py|cryptography)", "token check"),
        (r"\(.*entrypoints/http/(security|auth)\.py|\(.*chatcore/accounts/auth", "auth"),
        (r"\(.*chatcore/", "use case + entities"),
        (r"\(.*entrypoints/http/(validation|paging)\.py|read_body", "body + query reading"),
        (r"\(.*entrypoints/http/(users|sessions|offload)\.py", "handler"),
        (r"\(.*entrypoints/http/limits\.py", "rate limits"),
        (r"\(.*entrypoints/http/request_log\.py|\(.*entrypoints/logs\.py", "request log"),
        # The one outer layer: sizes, request ids, security headers, the line, write turns.
        (r"\(.*entrypoints/http/(edge|write_turns)\.py", "edge"),
        (r"\(.*entrypoints/http/metrics\.py|prometheus_client", "metrics"),
        (r"\(.*entrypoints/http/headers\.py", "security headers"),
        (r"\(.*entrypoints/http/request_limits\.py", "request size checks"),
        (r"\(.*entrypoints/http/room_hub\.py", "room hub"),
        (r"\(.*entrypoints/http/routing\.py|\(starlette/routing", "routing"),
        (r"\(starlette/responses", "response (Starlette)"),
        (r"\(starlette/requests|\(starlette/datastructures", "request (Starlette)"),
        (r"\(starlette/", "Starlette middleware"),
        (r"\(uvicorn/|\(httptools|\(asyncio/|\(uvloop", "server (uvicorn, httptools, loop)"),
    ]
]
FRAME = re.compile(r"^(?P<function>[^ ]+) \((?P<file>[^:)]+)(?::\d+)?\)$")


def layer_of(stack: list[str]) -> str:
    """The layer of one sample: its innermost frame that belongs to one (the request log's
    own JSON line is the request log's)."""
    layer = _innermost_layer(stack)
    if layer == "JSON" and any("request_log.py" in frame for frame in stack):
        return "request log"
    return layer


def _innermost_layer(stack: list[str]) -> str:
    for frame in reversed(stack):
        match = FRAME.match(frame)
        text = frame if match is None else f"{match['function']} ({_short(match['file'])})"
        for pattern, layer in LAYERS:
            if pattern.search(text):
                return layer
    return "other"


def _short(path: str) -> str:
    # site-packages/starlette/routing.py → starlette/routing.py; src/chatcore/… → chatcore/…
    for marker in ("site-packages/", "/src/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return re.sub(r"^\.\d+/", "", path)


def budget(raw: Path) -> tuple[Counter[str], int]:
    """Samples by layer, from py-spy's raw (collapsed) output; and those of other threads."""
    layers: Counter[str] = Counter()
    elsewhere = 0
    for line in raw.read_text().splitlines():
        stack_text, _, count_text = line.rpartition(" ")
        if not stack_text:
            continue
        stack = stack_text.split(";")
        count = int(count_text)
        # With --threads the first frame names the thread: the event loop is MainThread.
        if not stack[0].endswith(": MainThread"):
            # A thread asleep in threading's waits is sometimes sampled (--nonblocking):
            # it spends no CPU.
            if "(threading.py:" not in stack[-1]:
                elsewhere += count
            continue
        layers[layer_of(stack[1:])] += count
    return layers, elsewhere


@attrs.frozen
class Spied:
    rps: float
    cpu_us: float  # the server's CPU per request, all threads (from /proc)
    layers: Counter[str]  # the event loop's samples, by layer
    elsewhere: int  # samples of other threads


def spy_on(
    spy: str, pid: int, port: int, scenario: Scenario, token: str, args: argparse.Namespace,
    keep_as: str,
) -> Spied:  # fmt: skip
    """One wrk run of `scenario` with py-spy sampling the server."""
    wrk(port, scenario, token, 1, 16)  # warm-up
    with tempfile.NamedTemporaryFile(suffix=".txt") as raw:
        spying = subprocess.Popen(
            [spy, "record", "--pid", str(pid), "--format", "raw", "--threads",
             "--nonblocking", "--rate", str(args.rate), "--duration", str(args.seconds + 1),
             "--output", raw.name],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        before = cpu_seconds(pid) or 0.0
        measured = wrk(port, scenario, token, args.seconds, 16)
        after = cpu_seconds(pid) or 0.0
        spying.wait()
        layers, elsewhere = budget(Path(raw.name))
        if args.raw:
            args.raw.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"\W+", "-", f"{keep_as} {scenario.name}").strip("-")
            shutil.copy(raw.name, args.raw / f"{name}.txt")
    requests = measured.rps * args.seconds
    cpu_us = (after - before) / requests * 1e6 if requests else 0.0
    return Spied(measured.rps, cpu_us, layers, elsewhere)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", action="append", metavar="SCENARIO")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rate", type=int, default=400, help="py-spy samples per second")
    parser.add_argument("--raw", type=Path, help="keep py-spy's raw output in this folder")
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists() or shutil.which("wrk") is None:
        sys.exit("bench.profile: needs py-spy (pip install py-spy) and wrk")
    profile = Profile(duration=args.seconds, warmup=1, runs=1, connections=16, big_session=1000)
    with tempfile.TemporaryDirectory(prefix="chatcore-profile-") as data_dir:
        port, limit_port = free_port(), free_port()
        env = {
            **os.environ,
            "CHATCORE_DATA_DIR": data_dir,
            "CHATCORE_PORT": str(port),
            "CHATCORE_RATE_LIMITS": "on",
            **{f"CHATCORE_RATE_LIMIT_{name.upper()}": "1000000000/1" for name in LIMIT_CLASSES},
        }
        reference = [sys.executable, "-m", "bench.serve_baseline", str(limit_port), "limit"]
        with (
            served([sys.executable, "-m", "entrypoints.cli", "serve"], env, port) as server,
            served(reference, env, limit_port) as limit,
        ):
            seeded = seed(port, env, profile)
            # The long session is the short one here (1,000 messages): one of each name.
            named = {s.name: s for s in reversed(scenarios(seeded, profile)) if not s.with_logins}
            plan: list[Scenario] = list(reversed(named.values()))
            if args.only:
                plan = [s for s in plan if s.name in args.only]
            for scenario in plan:
                ours = spy_on(spy, server.pid, port, scenario, seeded.token, args, "chatcore")
                theirs = spy_on(spy, limit.pid, limit_port, scenario, "", args, "limit")
                report(scenario.name, ours, theirs)


def report(name: str, ours: Spied, limit: Spied) -> None:
    print(
        f"\n{name}: chatcore {ours.rps:.0f} req/s, {ours.cpu_us:.0f} µs of CPU per request;"
        f" the constant-JSON limit {limit.rps:.0f} req/s, {limit.cpu_us:.0f} µs"
    )
    theirs = _shares(limit)
    for layer, (share, us) in _shares(ours).items():
        beside = theirs.get(layer)
        limit_us = "" if beside is None else f"{beside[1]:7.1f} µs in the limit"
        print(f"  {layer:36} {share:6.1%} {us:7.1f} µs {limit_us}")


def _shares(spied: Spied) -> dict[str, tuple[float, float]]:
    """Each layer's share of the samples, and its µs per request; other threads last."""
    total = sum(spied.layers.values()) + spied.elsewhere
    if not total:
        return {}
    shares = {
        layer: (count / total, spied.cpu_us * count / total)
        for layer, count in spied.layers.most_common()
    }
    shares["(other threads)"] = (spied.elsewhere / total, spied.cpu_us * spied.elsewhere / total)
    return shares


if __name__ == "__main__":
    main()
