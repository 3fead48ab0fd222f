"""A real chatcore server in a subprocess, and a real SMTP server catching its mail."""

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller

from tests.processes import free_port, stop


class Mailbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._arrived:
            self.messages.append(message_from_bytes(envelope.content))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, to: str, subject: str, count: int = 1, timeout: float = 10) -> Message:
        """The `count`-th message to `to` whose subject contains `subject`."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                found = [m for m in self.messages if m["To"] == to and subject in str(m["Subject"])]
                if len(found) >= count:
                    return found[count - 1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no email {subject!r} #{count} to {to}")
                self._arrived.wait(remaining)

    def token(self, to: str, subject: str, count: int = 1) -> str:
        body = self.wait_for(to, subject, count).get_payload(decode=True)
        assert isinstance(body, bytes)
        match = re.search(r"token=([A-Za-z0-9_.\-]+)", body.decode())
        assert match, body
        return match.group(1)


class SmtpServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SmtpServer":
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


class ChatcoreServer:
    """`chatcore serve` on a loopback port, as `make run` starts it."""

    def __init__(
        self, data_dir: Path, env: Mapping[str, str] | None = None, args: Sequence[str] = ()
    ) -> None:
        self.port = free_port()
        self.args = tuple(args)  # for `chatcore serve`
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "CHATCORE_HOST": "127.0.0.1",
            "CHATCORE_PORT": str(self.port),
            "CHATCORE_DATA_DIR": str(data_dir),
            **(env or {}),
        }
        self._process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / f"server-{self.port}.log"

    def start(self) -> "ChatcoreServer":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "serve", *self.args],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"server did not start:\n{self.log()}")

    def stop(self) -> None:
        if self._process is not None:
            stop(self._process)
            self._process = None
            self._log.close()
            # Every line a server wrote in the tests is one JSON object (operators' log
            # pipelines parse each line), whatever wrote it: chatcore, uvicorn, a traceback.
            if self.env.get("CHATCORE_LOG_FORMAT", "json") == "json":
                self.log_entries()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_entries(self) -> list[dict[str, Any]]:
        """Every line of the server's log as a JSON object; AssertionError on any other."""
        entries = []
        for number, line in enumerate(self.log().splitlines(), start=1):
            try:
                entry = json.loads(line)
            except ValueError:
                entry = None
            assert isinstance(entry, dict), f"{self.log_path} line {number} is not JSON: {line!r}"
            entries.append(entry)
        return entries

    def access_entries(self) -> list[dict[str, Any]]:
        """The request lines of the server's log."""
        return [entry for entry in self.log_entries() if entry["logger"] == "chatcore.access"]

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the `chatcore` command against the same configuration as the server."""
        return subprocess.run(
            [sys.executable, "-m", "entrypoints.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
