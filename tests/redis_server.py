"""A real redis-server on a loopback port, for the tests of the Redis room broker."""

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from tests.processes import free_port, stop


class RedisServer:
    """`redis-server` on 127.0.0.1, without persistence, in a temporary directory."""

    def __init__(self, executable: str = "redis-server") -> None:
        found = shutil.which(executable)
        if found is None:
            raise RuntimeError(
                f"{executable} is not on PATH: the Redis broker tests need a real server."
                " `make test` installs it (apt-get install redis-server)."
            )
        self.executable = found
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10) -> "RedisServer":
        self._dir = tempfile.TemporaryDirectory(prefix="chatcore-redis-")
        directory = Path(self._dir.name)
        self._log = (directory / "redis.log").open("wb")
        command = [
            self.executable, "--bind", "127.0.0.1", "--port", str(self.port),
            "--save", "", "--appendonly", "no", "--dir", str(directory), "--daemonize", "no",
        ]  # fmt: skip
        self._process = subprocess.Popen(
            command,
            cwd=directory,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                log = self.log()
                self.stop()
                raise RuntimeError(f"redis-server exited:\n{log}")
            if self._answers_ping():
                return self
            time.sleep(0.05)
        log = self.log()
        self.stop()
        raise RuntimeError(f"redis-server did not answer PING within {timeout}s:\n{log}")

    def _answers_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def log(self) -> str:
        if self._dir is None:
            return ""
        path = Path(self._dir.name) / "redis.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self._process is not None:
            stop(self._process)
            self._process = None
            self._log.close()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> "RedisServer":
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
