"""WebSocket fan-out: many clients in one room, one sender, every delivery timed.

    python -m bench.fanout [--clients 1000] [--rate 50] [--seconds 20] [--no-baseline]

The server is pinned to CPU 0 and this process (all the clients) to CPU 1. Each message
carries its send time (CLOCK_MONOTONIC, shared by both processes); every client records
how long each message took to reach it. The same run then measures a bare Starlette
broadcaster (`bench.room_baseline`) alike, and both servers' CPU time per delivery is
reported: what chatcore's rooms cost beside the WebSocket work any server must do.
"""

import argparse
import asyncio
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench.http_client import JsonClient
from bench.run import RESULTS, free_port, machine, pinned, served
from bench.ws_client import CountingClient, EventCounts, WebSocketClient

PASSWORD = "bench-password-1"
CONTENT = re.compile(rb'"content": ?"(\d+)"')


class Receiver(EventCounts):
    """Counts what one client receives, and how late each message was."""

    def __init__(self, latencies: list[float]) -> None:
        super().__init__()
        self._latencies = latencies

    def __call__(self, payload: bytes) -> None:
        if b'"type": "message"' in payload:
            now = time.monotonic_ns()
            # The send time is the message's content: a search, not a JSON parse, keeps
            # the thousand clients' process from becoming what is measured.
            sent = int(CONTENT.search(payload).group(1))  # type: ignore[union-attr]
            self._latencies.append((now - sent) / 1e6)
            self.messages += 1
        else:
            self.system_events += 1


JOIN_BATCH = 50  # clients connecting at once before their announcements are awaited
TIMED_EVERY = 10  # one client in ten times its deliveries; every client counts them


async def measure(
    port: int,
    token: str,
    clients: int,
    rate: int,
    seconds: int,
    server_pid: int,
    spy_to: Path | None = None,
) -> dict[str, Any]:
    path = f"/chat/ws/fanout?token={quote(token)}"
    latencies: list[float] = []
    receivers = [
        Receiver(latencies) if i % TIMED_EVERY == 0 else EventCounts() for i in range(clients)
    ]
    connections: list[WebSocketClient] = []
    # Every join is announced to everyone already there: n joins are n(n+1)/2 events.
    # Clients join in batches, each batch's announcements delivered before the next, as
    # people arrive in a room: a thousand joins in the same instant would measure the
    # join storm (and let go of the clients it leaves behind), not the chat.
    deadline = time.monotonic() + 300
    for start in range(0, clients, JOIN_BATCH):
        batch = receivers[start : start + JOIN_BATCH]
        connections += await asyncio.gather(*(_connect(port, path, r) for r in batch))
        joined = len(connections)
        while sum(r.system_events for r in receivers) < joined * (joined + 1) // 2:
            if time.monotonic() > deadline:
                raise RuntimeError(f"joins not all announced: {_closes(connections)}")
            await asyncio.sleep(0.02)
    latencies.clear()

    sender = connections[0]
    total = rate * seconds
    spying = None
    if spy_to is not None:
        spying = subprocess.Popen(
            ["py-spy", "record", "--pid", str(server_pid), "--format", "raw", "--nonblocking",
             "--rate", "400", "--duration", str(seconds), "--output", str(spy_to)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    cpu_before = _cpu_seconds(server_pid)
    started = time.monotonic()
    for n in range(total):
        await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
        sender.send_text(json.dumps({"content": str(time.monotonic_ns())}))
    expected = total * clients
    deadline = time.monotonic() + 30
    while sum(r.messages for r in receivers) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    server_cpu = _cpu_seconds(server_pid) - cpu_before
    if spying is not None:
        spying.wait()
    deliveries = sum(r.messages for r in receivers)
    closes = _closes(connections)
    for connection in connections:
        connection.close()
    ordered = sorted(latencies)
    return {
        "clients": clients,
        "clients_timed": sum(isinstance(r, Receiver) for r in receivers),
        "messages_sent": total,
        "deliveries_expected": expected,
        "deliveries": deliveries,
        "deliveries_timed": len(ordered),
        "p50_ms": statistics.median(ordered) if ordered else None,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] if ordered else None,
        "max_ms": ordered[-1] if ordered else None,
        "closed_by_server": closes,
        "server_cpu_seconds": round(server_cpu, 3),
        "server_cpu_us_per_delivery": round(server_cpu / deliveries * 1e6, 2)
        if deliveries
        else None,
    }


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc (0 where Linux does not say)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command name: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _steal_seconds() -> float:
    """CPU time stolen by the hypervisor since boot, all CPUs (0 where Linux does not say)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return 0.0
    return int(fields[8]) / os.sysconf("SC_CLK_TCK") if len(fields) > 8 else 0.0


async def _connect(port: int, path: str, counts: EventCounts) -> WebSocketClient:
    if isinstance(counts, Receiver):
        return await WebSocketClient.connect("127.0.0.1", port, path, counts)
    return await CountingClient.connect("127.0.0.1", port, path, counts)  # type: ignore[arg-type]


def _closes(connections: list[WebSocketClient]) -> dict[str, int]:
    """How many connections the server closed, by close code ("lost": without a code)."""
    counts: dict[str, int] = {}
    for connection in connections:
        if connection.close_code is not None or connection.closed.done():
            code = "lost" if connection.close_code is None else str(connection.close_code)
            counts[code] = counts.get(code, 0) + 1
    return counts


def run_chatcore(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="chatcore-fanout-") as data_dir:
        port = free_port()
        env = {
            **os.environ,
            "CHATCORE_DATA_DIR": data_dir,
            "CHATCORE_PORT": str(port),
            "CHATCORE_RATE_LIMITS": "off",
            # A thousand sockets of one account: what is measured is the fan-out, not the
            # per-user cap (20 by default).
            "CHATCORE_ROOM_SOCKETS_PER_USER": "0",
        }
        command = [sys.executable, "-m", "entrypoints.cli", "serve"]
        with served(command, env, port) as server:
            subprocess.run(
                [sys.executable, "-m", "entrypoints.cli", "create-user", "--email",
                 "fanout@example.com", "--username", "fanout", "--password", PASSWORD,
                 "--verified"],
                env=env, check=True, capture_output=True,
            )  # fmt: skip
            status, signed_in = JsonClient(port).request(
                "POST", "/auths/login", form=f"username=fanout%40example.com&password={PASSWORD}"
            )
            assert status == 200, signed_in
            return timed(port, signed_in["access_token"], args, server.pid, args.spy)


def run_baseline(args: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    command = [sys.executable, "-m", "bench.serve_baseline", str(port), "rooms"]
    with served(command, dict(os.environ), port) as server:
        return timed(port, "", args, server.pid)


def timed(
    port: int, token: str, args: argparse.Namespace, server_pid: int, spy_to: Path | None = None
) -> dict[str, Any]:
    stolen = _steal_seconds()
    result = asyncio.run(
        measure(port, token, args.clients, args.rate, args.seconds, server_pid, spy_to)
    )
    # Time the hypervisor ran something else on this machine's CPUs: a virtual machine's
    # stalls show in the latency tail, and belong in its explanation.
    result["cpu_steal_seconds"] = round(_steal_seconds() - stolen, 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=50, help="messages per second")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument(
        "--no-baseline", action="store_true", help="measure chatcore only, not the bare broadcaster"
    )
    parser.add_argument(
        "--spy", type=Path, metavar="FILE", help="py-spy's raw samples of chatcore's sends, here"
    )
    args = parser.parse_args()
    # Each client is a socket on both sides: lift the open-file limit for both processes.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * args.clients + 256)), hard))
    if pinned(1):
        os.sched_setaffinity(0, {1})

    result: dict[str, Any] = {"chatcore": run_chatcore(args)}
    print(json.dumps({"chatcore": result["chatcore"]}, indent=2), flush=True)
    if not args.no_baseline:
        try:
            result["baseline"] = run_baseline(args)
        except RuntimeError as error:  # chatcore's figures stand on their own
            result["baseline"] = {"failed": str(error)}
        ours, base = result["chatcore"], result["baseline"]
        if ours["server_cpu_us_per_delivery"] and base.get("server_cpu_us_per_delivery"):
            result["cpu_per_delivery_vs_baseline"] = round(
                ours["server_cpu_us_per_delivery"] / base["server_cpu_us_per_delivery"], 2
            )
    result["machine"] = machine()
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / time.strftime("fanout-%Y%m%d-%H%M%S.json")
    path.write_text(json.dumps(result, indent=2))
    shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
    print(f"figures written to {shown}")


if __name__ == "__main__":
    main()
