"""Run the benchmark: chatcore and two references, served alike, driven by wrk.

    python -m bench.run [--quick] [--only SCENARIO]... [--limits on|off]

The references answer the same routes with no auth and no storage: `baseline` encodes its
JSON per request as a real handler must (`bench.baseline`), `limit` answers constant bytes
encoded once (`bench.limit`), what one uvicorn worker can serve at all. The servers are
pinned to CPU 0 and wrk to CPU 1 (where taskset and two cores exist); each scenario is
warmed up and then run several times, interleaved across the three servers, and the table
shows chatcore's min/median/max requests per second, its fraction of each reference, its
CPU time per request (from /proc) and latency percentiles. A last scenario measures
whether writes starve reads: the p99 of 8 connections reading `GET /users/me` beside 16
connections reading too, then beside 16 connections posting messages.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attrs

from bench.http_client import JsonClient
from entrypoints.settings import DEFAULT_RATES as LIMIT_CLASSES

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PASSWORD = "bench-password-1"


@attrs.frozen
class Profile:
    duration: int  # seconds per measured run
    warmup: int
    runs: int
    connections: int
    big_session: int  # messages in the "long session" scenario


FULL = Profile(duration=10, warmup=3, runs=3, connections=16, big_session=100_000)
QUICK = Profile(duration=2, warmup=1, runs=2, connections=16, big_session=10_000)


@attrs.frozen
class Scenario:
    name: str
    method: str
    path: str
    body: str = ""
    with_logins: bool = False


@attrs.frozen
class Measurement:
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_us: float | None = None  # the server's CPU time per request, where /proc says


@attrs.frozen
class Target:
    port: int
    token: str
    pid: int


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far, from /proc (None where Linux does not say)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the command name: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pinned(cpu: int) -> list[str]:
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", str(cpu)]
    return []


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def served(command: list[str], env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    # The server's log goes to a file, not a pipe: a pipe nobody reads fills up (uvicorn
    # logs every WebSocket it opens) and then blocks the server in the middle of a run.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [*pinned(0), *command], env=env, stdout=subprocess.DEVNULL, stderr=log
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if JsonClient(port).request("GET", "/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(
                        f"server did not start: {log.read().decode(errors='replace')}"
                    )
                time.sleep(0.1)
            yield process
        finally:
            process.terminate()
            process.wait(timeout=15)


def wrk(
    port: int, scenario: Scenario, token: str, seconds: int, connections: int, pid: int = 0
) -> Measurement:
    """One wrk run; with `pid`, the server's CPU time per request during it as well."""
    env = {
        **os.environ,
        "BENCH_METHOD": scenario.method,
        "BENCH_BODY": scenario.body,
        "BENCH_TOKEN": token,
    }
    cpu_before = cpu_seconds(pid) if pid else None
    output = subprocess.run(
        [
            *pinned(1),
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "-s",
            str(ROOT / "bench" / "report.lua"),
            f"http://127.0.0.1:{port}{scenario.path}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_RESULT "))
    result = json.loads(line.removeprefix("BENCH_RESULT "))
    if result["socket_errors"] or result["bad_status"]:
        raise RuntimeError(f"{scenario.name}: errors during the run: {result}")
    cpu_after = cpu_seconds(pid) if pid else None
    cpu_us = None
    if cpu_before is not None and cpu_after is not None and result["requests"]:
        cpu_us = (cpu_after - cpu_before) / result["requests"] * 1e6
    return Measurement(
        rps=result["requests"] / (result["duration_us"] / 1e6),
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        cpu_us=cpu_us,
    )


@contextmanager
def logins_in_flight(port: int, email: str, workers: int = 4) -> Iterator[None]:
    """Keep `workers` logins running against the server until the block ends."""
    stop = threading.Event()
    form = f"username={quote(email)}&password={quote(PASSWORD)}"

    def loop() -> None:
        client = JsonClient(port)
        while not stop.is_set():
            status, _ = client.request("POST", "/auths/login", form=form)
            assert status == 200, status
        client.close()

    threads = [threading.Thread(target=loop) for _ in range(workers)]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def measure(
    targets: dict[str, Target], scenario: Scenario, profile: Profile, email: str
) -> dict[str, list[Measurement]]:
    """Runs of one scenario against every target, interleaved so drift hits all alike.

    Logins, when the scenario has them, go to chatcore only (the references have no login
    to run).
    """
    runs: dict[str, list[Measurement]] = {name: [] for name in targets}
    with logins_in_flight(targets["chatcore"].port, email) if scenario.with_logins else _nothing():
        for target in targets.values():
            wrk(target.port, scenario, target.token, profile.warmup, profile.connections)
        for _ in range(profile.runs):
            for name, t in targets.items():
                runs[name].append(
                    wrk(t.port, scenario, t.token, profile.duration, profile.connections, t.pid)
                )
    return runs


READERS = Scenario("8 readers of GET /users/me", "GET", "/users/me")


def contention(chatcore: Target, seeded: "Seeded", profile: Profile) -> dict[str, Any]:
    """The p99 of 8 readers beside 16 other readers, then beside 16 writers, interleaved."""
    body = json.dumps({"content": "Hello, this is my message!"})
    neighbours = {
        "readers": READERS,
        "writers": Scenario(
            "16 writers", "POST", f"/chat/sessions/{seeded.session_id}/messages", body
        ),
    }
    runs: dict[str, list[tuple[Measurement, Measurement]]] = {name: [] for name in neighbours}
    for _ in range(profile.runs):
        for name, neighbour in neighbours.items():
            with ThreadPoolExecutor(1) as pool:
                beside = pool.submit(
                    wrk, chatcore.port, neighbour, chatcore.token, profile.duration, 16
                )
                mine = wrk(chatcore.port, READERS, chatcore.token, profile.duration, 8)
                runs[name].append((mine, beside.result()))
    p99 = {name: statistics.median(m.p99_ms for m, _ in pairs) for name, pairs in runs.items()}
    return {
        "readers_p99_ms_beside_readers": p99["readers"],
        "readers_p99_ms_beside_writers": p99["writers"],
        "ratio": p99["writers"] / p99["readers"],
        "writers_rps": statistics.median(n.rps for _, n in runs["writers"]),
    }


@contextmanager
def _nothing() -> Iterator[None]:
    yield


@attrs.define
class Seeded:
    token: str
    email: str
    session_id: str  # where the POST scenario writes
    small_session: str  # 1,000 messages
    big_session: str  # profile.big_session messages


def seed(port: int, env: dict[str, str], profile: Profile) -> Seeded:
    """An account (made with the CLI), sessions and messages (through the API)."""
    email = "bench@example.com"
    subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "create-user", "--email", email,
         "--username", "bench", "--password", PASSWORD, "--verified"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    client = JsonClient(port)
    status, signed_in = client.request(
        "POST", "/auths/login", form=f"username={quote(email)}&password={PASSWORD}"
    )
    assert status == 200, signed_in
    client.token = signed_in["access_token"]
    sessions = [client.request("POST", "/chat/sessions", {"title": f"s{i}"})[1] for i in range(10)]
    small, big = sessions[0]["_id"], sessions[1]["_id"]
    fill(port, client.token, small, 1000)
    fill(port, client.token, big, profile.big_session)
    return Seeded(client.token, email, sessions[2]["_id"], small, big)


def fill(port: int, token: str, session_id: str, count: int, workers: int = 8) -> None:
    def send(share: int) -> None:
        client = JsonClient(port, token)
        for i in range(share):
            status, _ = client.request(
                "POST", f"/chat/sessions/{session_id}/messages", {"content": f"message {i}"}
            )
            assert status == 201, status
        client.close()

    shares = [count // workers + (1 if i < count % workers else 0) for i in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(send, shares))


def scenarios(seeded: Seeded, profile: Profile) -> list[Scenario]:
    body = json.dumps({"content": "Hello, this is my message!"})
    return [
        Scenario("GET /healthz", "GET", "/healthz"),
        Scenario("GET /users/me", "GET", "/users/me"),
        Scenario("GET /chat/sessions", "GET", "/chat/sessions"),
        Scenario("POST a message", "POST", f"/chat/sessions/{seeded.session_id}/messages", body),
        Scenario(
            "GET 100 of 1,000 messages", "GET", f"/chat/sessions/{seeded.small_session}/messages"
        ),
        Scenario(
            f"GET 100 of {profile.big_session:,} messages",
            "GET",
            f"/chat/sessions/{seeded.big_session}/messages",
        ),
        Scenario("GET /users/me, logins in flight", "GET", "/users/me", with_logins=True),
    ]


def summary(runs: list[Measurement]) -> dict[str, float | None]:
    rps = [run.rps for run in runs]
    cpu = [run.cpu_us for run in runs if run.cpu_us is not None]
    return {
        "rps_min": min(rps),
        "rps_median": statistics.median(rps),
        "rps_max": max(rps),
        "p50_ms": statistics.median(run.p50_ms for run in runs),
        "p99_ms": statistics.median(run.p99_ms for run in runs),
        "cpu_us_per_request": statistics.median(cpu) if cpu else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, a smaller session")
    parser.add_argument(
        "--only",
        action="append",
        metavar="SCENARIO",
        help="measure only this scenario (its name as printed; may be repeated)",
    )
    parser.add_argument(
        "--limits",
        choices=["on", "off"],
        default="on",
        help="run chatcore's rate limiter (the default), or not: to measure what it costs",
    )
    args = parser.parse_args()
    profile = QUICK if args.quick else FULL
    if shutil.which("wrk") is None:
        sys.exit("bench: wrk is missing (make bench installs it with apt-get)")

    results: dict[str, Any] = {
        "profile": attrs.asdict(profile),
        "machine": machine(),
        "rate_limits": args.limits,
    }
    with tempfile.TemporaryDirectory(prefix="chatcore-bench-") as data_dir:
        ports = {name: free_port() for name in ("limit", "baseline", "chatcore")}
        env = {
            **os.environ,
            "CHATCORE_DATA_DIR": data_dir,
            "CHATCORE_PORT": str(ports["chatcore"]),
            # The limiter runs on every request, as in production, with rates no load here
            # reaches: what is measured is its cost, not its refusals.
            "CHATCORE_RATE_LIMITS": args.limits,
            **{f"CHATCORE_RATE_LIMIT_{name.upper()}": "1000000000/1" for name in LIMIT_CLASSES},
        }
        reference = [sys.executable, "-m", "bench.serve_baseline"]
        # The servers share CPU 0; only the one under load is busy at any moment.
        with (
            served(
                [sys.executable, "-m", "entrypoints.cli", "serve"], env, ports["chatcore"]
            ) as chatcore,
            served(
                [*reference, str(ports["baseline"]), "baseline"], env, ports["baseline"]
            ) as baseline,
            served([*reference, str(ports["limit"]), "limit"], env, ports["limit"]) as limit,
        ):
            print("seeding…", flush=True)
            started = time.monotonic()
            seeded = seed(ports["chatcore"], env, profile)
            print(f"seeded in {time.monotonic() - started:.0f}s", flush=True)
            plan = scenarios(seeded, profile)
            names = [scenario.name for scenario in plan] + [CONTENTION]
            if args.only:
                unknown = set(args.only) - set(names)
                if unknown:
                    sys.exit(f"bench: no scenario named {', '.join(sorted(unknown))}")
                plan = [scenario for scenario in plan if scenario.name in args.only]
            targets = {
                "limit": Target(ports["limit"], "", limit.pid),
                "baseline": Target(ports["baseline"], "", baseline.pid),
                "chatcore": Target(ports["chatcore"], seeded.token, chatcore.pid),
            }
            measured = {}
            for scenario in plan:
                print(f"measuring: {scenario.name}", flush=True)
                measured[scenario.name] = measure(targets, scenario, profile, seeded.email)
            if not args.only or CONTENTION in args.only:
                print(f"measuring: {CONTENTION}", flush=True)
                results["writes_beside_reads"] = contention(targets["chatcore"], seeded, profile)

    rows = []
    for scenario in plan:
        figures = {name: summary(measured[scenario.name][name]) for name in targets}
        rows.append(
            {
                "scenario": scenario.name,
                **figures,
                "fraction_of_baseline": _fraction(figures["chatcore"], figures["baseline"]),
                "fraction_of_limit": _fraction(figures["chatcore"], figures["limit"]),
            }
        )
    results["scenarios"] = rows
    print_table(rows)
    if "writes_beside_reads" in results:
        print_contention(results["writes_beside_reads"])
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / time.strftime("bench-%Y%m%d-%H%M%S.json")
    path.write_text(json.dumps(results, indent=2))
    print(f"\nfigures written to {path.relative_to(ROOT)}")


CONTENTION = "writes beside reads"


def _fraction(ours: dict[str, float | None], reference: dict[str, float | None]) -> float:
    return float(ours["rps_median"] or 0) / float(reference["rps_median"] or 1)


def print_table(rows: list[dict[str, Any]]) -> None:
    header = (
        f"{'scenario':34} {'req/s min/median/max':>24} {'of base':>7} {'of limit':>8}"
        f" {'CPU µs':>7} {'p50 ms':>7} {'p99 ms':>7} {'base p99':>8}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for row in rows:
        ours, base = row["chatcore"], row["baseline"]
        spread = f"{ours['rps_min']:.0f}/{ours['rps_median']:.0f}/{ours['rps_max']:.0f}"
        cpu = "-" if ours["cpu_us_per_request"] is None else f"{ours['cpu_us_per_request']:.0f}"
        print(
            f"{row['scenario']:34} {spread:>24} {row['fraction_of_baseline']:>7.0%}"
            f" {row['fraction_of_limit']:>8.0%} {cpu:>7} {ours['p50_ms']:>7.2f}"
            f" {ours['p99_ms']:>7.2f} {base['p99_ms']:>8.2f}"
        )
    print("\nreferences, req/s median (CPU µs per request):")
    for row in rows:
        parts = []
        for name in ("baseline", "limit"):
            figures = row[name]
            cpu = figures["cpu_us_per_request"]
            parts.append(
                f"{name} {figures['rps_median']:.0f}" + ("" if cpu is None else f" ({cpu:.0f})")
            )
        print(f"  {row['scenario']:34} " + ", ".join(parts))


def print_contention(figures: dict[str, float]) -> None:
    print(
        f"\n{CONTENTION}: p99 of 8 readers of GET /users/me beside 16 readers"
        f" {figures['readers_p99_ms_beside_readers']:.2f} ms, beside 16 writers"
        f" {figures['readers_p99_ms_beside_writers']:.2f} ms ({figures['ratio']:.2f}×;"
        f" writers at {figures['writers_rps']:.0f} req/s)"
    )


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "pinned": bool(pinned(0)),
    }


if __name__ == "__main__":
    main()
