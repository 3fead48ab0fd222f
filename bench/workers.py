"""`chatcore serve --workers 2` against one worker: GET /users/me, requests per second.

    python -m bench.workers [--runs 4] [--seconds 8] [--limits on|off]

Both servers run as operators run several workers: with a Redis broker (a real
redis-server on loopback), which also counts the rate limits. Nothing is pinned: the
workers may use every core, and wrk (one thread, 32 connections) shares them. Runs
alternate between the two servers; the ratio of the medians is printed.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from urllib.parse import quote

from bench.http_client import JsonClient
from bench.run import PASSWORD, ROOT, free_port
from entrypoints.settings import DEFAULT_RATES
from tests.processes import stop
from tests.redis_server import RedisServer


def started(workers: int, redis_url: str, limits: str, stack: ExitStack) -> tuple[int, str]:
    data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="chatcore-workers-"))
    port = free_port()
    env = {
        **os.environ,
        "CHATCORE_DATA_DIR": data_dir,
        "CHATCORE_PORT": str(port),
        "CHATCORE_BROKER_URL": redis_url,
        "CHATCORE_REPOSITORY_WORKERS": "0",
        "CHATCORE_RATE_LIMITS": limits,
        **{f"CHATCORE_RATE_LIMIT_{name.upper()}": "1000000000/1" for name in DEFAULT_RATES},
    }
    command = [sys.executable, "-m", "entrypoints.cli", "serve", "--workers", str(workers)]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    stack.callback(stop, server, 30)
    deadline = time.monotonic() + 60
    while True:
        try:
            if JsonClient(port).request("GET", "/healthz")[0] == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            raise RuntimeError(f"--workers {workers} did not start")
        time.sleep(0.2)
    time.sleep(3)  # /healthz answers with the first worker: let the others start too
    subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "create-user", "--email", "b@example.com",
         "--username", "bench", "--password", PASSWORD, "--verified"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    form = f"username={quote('b@example.com')}&password={PASSWORD}"
    status, signed_in = JsonClient(port).request("POST", "/auths/login", form=form)
    assert status == 200, signed_in
    return port, signed_in["access_token"]


def requests_per_second(port: int, token: str, seconds: int) -> float:
    env = {**os.environ, "BENCH_METHOD": "GET", "BENCH_BODY": "", "BENCH_TOKEN": token}
    output = subprocess.run(
        ["wrk", "-t1", "-c32", f"-d{seconds}s", "-s", str(ROOT / "bench" / "report.lua"),
         f"http://127.0.0.1:{port}/users/me"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(line for line in output.splitlines() if line.startswith("BENCH_RESULT "))
    result = json.loads(line.removeprefix("BENCH_RESULT "))
    if result["socket_errors"] or result["bad_status"]:
        raise RuntimeError(f"errors during the run: {result}")
    return float(result["requests"]) / (result["duration_us"] / 1e6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--limits", choices=["on", "off"], default="on")
    args = parser.parse_args()
    with ExitStack() as stack:
        redis = stack.enter_context(RedisServer())
        servers = {workers: started(workers, redis.url, args.limits, stack) for workers in (1, 2)}
        for port, token in servers.values():
            requests_per_second(port, token, 3)  # warm-up
        measured: dict[int, list[float]] = {workers: [] for workers in servers}
        for _ in range(args.runs):
            for workers, (port, token) in servers.items():
                measured[workers].append(requests_per_second(port, token, args.seconds))
    for workers, values in measured.items():
        spread = "/".join(f"{value:.0f}" for value in sorted(values))
        print(f"--workers {workers}: {statistics.median(values):.0f} req/s (runs {spread})")
    ratio = statistics.median(measured[2]) / statistics.median(measured[1])
    print(f"two workers serve {ratio:.2f}× one")


if __name__ == "__main__":
    main()
