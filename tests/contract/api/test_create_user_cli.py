"""`chatcore create-user` takes the password from stdin or a hidden prompt, not argv."""

import json
import os
import pty
import select
import subprocess
import sys
import time

import httpx

from tests.contract.api.conftest import PASSWORD, login, unique_name
from tests.contract.api.server import ChatcoreServer

WARNING = "shows the password in the process list"


def create_user(
    server: ChatcoreServer, *options: str, stdin: str = ""
) -> tuple[subprocess.CompletedProcess[str], str]:
    name = unique_name("cli")
    email = f"{name}@example.com"
    done = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "create-user", "--email", email,
         "--username", name, "--verified", *options],
        env=server.env, input=stdin, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return done, email


def test_password_stdin_reads_one_line(client: httpx.Client, server: ChatcoreServer) -> None:
    done, email = create_user(server, "--password-stdin", stdin=f"{PASSWORD}\nignored\n")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["email"] == email
    assert WARNING not in done.stderr
    assert login(client, email, PASSWORD).status_code == 200


def test_password_stdin_refuses_an_empty_line(client: httpx.Client, server: ChatcoreServer) -> None:
    done, email = create_user(server, "--password-stdin", stdin="\n")
    assert done.returncode == 1
    assert "read no password" in done.stderr
    assert login(client, email, PASSWORD).status_code == 401


def test_password_option_still_works_with_a_warning(
    client: httpx.Client, server: ChatcoreServer
) -> None:
    done, email = create_user(server, "--password", PASSWORD)
    assert done.returncode == 0, done.stderr
    assert WARNING in done.stderr and "shell history" in done.stderr
    assert login(client, email, PASSWORD).status_code == 200


def _prompted(server: ChatcoreServer, answers: list[str]) -> tuple[int, str, str]:
    """Run create-user on a terminal of its own, typing `answers` at its prompts."""
    name = unique_name("cli")
    email = f"{name}@example.com"
    pid, terminal = pty.fork()
    if pid == 0:  # the child: the CLI, with the pseudo-terminal as its controlling tty
        os.execve(sys.executable, [sys.executable, "-m", "entrypoints.cli", "create-user",
                  "--email", email, "--username", name, "--verified"], server.env)  # fmt: skip
    seen = b""
    deadline = time.monotonic() + 60
    pending = list(answers)
    while time.monotonic() < deadline:
        ready, _, _ = select.select([terminal], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(terminal, 4096)
            except OSError:  # the child has exited and closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            # One answer per prompt, once it is shown whole (getpass drops earlier input).
            prompts = seen.count(b"Password")
            if pending and prompts > len(answers) - len(pending) and seen.endswith(b": "):
                os.write(terminal, f"{pending.pop(0)}\n".encode())
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    return os.waitstatus_to_exitcode(status), seen.decode(errors="replace"), email


def test_the_prompt_asks_twice_and_echoes_nothing(
    client: httpx.Client, server: ChatcoreServer
) -> None:
    code, output, email = _prompted(server, [PASSWORD, PASSWORD])
    assert code == 0, output
    assert "Password:" in output and "Password (again):" in output
    assert PASSWORD not in output
    assert login(client, email, PASSWORD).status_code == 200


def test_the_prompt_refuses_two_different_passwords(
    client: httpx.Client, server: ChatcoreServer
) -> None:
    code, output, email = _prompted(server, [PASSWORD, f"{PASSWORD}x"])
    assert code == 1
    assert "do not match" in output
    assert login(client, email, PASSWORD).status_code == 401
