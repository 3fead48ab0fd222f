"""The real servers the tests start (chatcore, redis-server, git, Chromium): shared chores."""

import socket
import subprocess


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def stop(process: subprocess.Popen[bytes] | subprocess.Popen[str], timeout: float = 10) -> None:
    """Ask a process to end (SIGTERM), and make it (SIGKILL) if it has not after `timeout`."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
