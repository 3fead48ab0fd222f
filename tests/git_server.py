"""A real git smart-HTTP server on loopback (`git http-backend`), and repositories made with `git`.

`git http-backend` is git's own CGI program; a small WSGI app runs it for each request and
wsgiref serves that on 127.0.0.1 in a thread. The fetcher under test talks to real git,
exactly as it would to a forge (GitHub answers the same protocol).
"""

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from socketserver import ThreadingMixIn
from types import TracebackType
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

# Commits made by the tests never read the machine's git configuration.
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Chatcore Tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "Chatcore Tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
}


def git(*args: str, cwd: Path | None = None) -> str:
    """Run `git` with the tests' isolated configuration; its standard output."""
    if shutil.which("git") is None:
        raise RuntimeError("git is not on PATH: `make test` installs it (apt-get install git)")
    completed = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        check=True,
        capture_output=True,
        text=True,
    )
    return completed.stdout


def make_repository(
    root: Path,
    name: str,
    files: Mapping[str, bytes],
    symlinks: Mapping[str, str] | None = None,
) -> Path:
    """A bare repository `root/name` whose one commit holds `files` (and `symlinks`)."""
    work = root / f".work-{name.replace('/', '-')}"
    git("init", "--quiet", "--initial-branch=main", str(work))
    for path, content in files.items():
        target = work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    for path, link_target in (symlinks or {}).items():
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(link_target, work / path)
    git("add", "--all", cwd=work)
    git("commit", "--quiet", "--allow-empty", "--message", "The tests' project", cwd=work)
    bare = root / name
    bare.parent.mkdir(parents=True, exist_ok=True)
    git("clone", "--quiet", "--bare", str(work), str(bare))
    shutil.rmtree(work)
    return bare


def make_empty_repository(root: Path, name: str) -> Path:
    """A bare repository with no commit at all."""
    bare = root / name
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    return bare


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class GitHttpServer:
    """Serves every bare repository under `root` at http://127.0.0.1:PORT/<path>.

    `chunk_delay` seconds pass before each chunk of every response, to play a slow server.
    """

    def __init__(self, root: Path, chunk_delay: float = 0.0) -> None:
        self.root = root
        self.chunk_delay = chunk_delay
        self.requests = 0  # how many requests it has received: to prove none were made
        self._server = make_server(
            "127.0.0.1",
            0,
            self._app,
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
        self.port: int = self._server.server_port
        self.base_url = f"http://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, name: str) -> str:
        return self.base_url + name

    def start(self) -> "GitHttpServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> "GitHttpServer":
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _app(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.requests += 1
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        cgi = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "REQUEST_METHOD": environ["REQUEST_METHOD"],
            "PATH_INFO": environ.get("PATH_INFO", ""),
            "QUERY_STRING": environ.get("QUERY_STRING", ""),
            "CONTENT_TYPE": environ.get("CONTENT_TYPE", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": environ.get("REMOTE_ADDR", "127.0.0.1"),
            "HTTP_CONTENT_ENCODING": environ.get("HTTP_CONTENT_ENCODING", ""),
            # Protocol v2 is asked for in a header that the CGI program reads from here.
            "GIT_PROTOCOL": environ.get("HTTP_GIT_PROTOCOL", ""),
        }
        process = subprocess.Popen(
            ["git", "http-backend"],
            env=cgi,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(body)
        process.stdin.close()
        status, headers = "200 OK", []
        for raw in iter(process.stdout.readline, b""):
            line = raw.decode("latin-1").rstrip("\r\n")
            if not line:
                break
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = value.strip()
            else:
                headers.append((key.strip(), value.strip()))
        start_response(status, headers)
        return self._chunks(process)

    def _chunks(self, process: "subprocess.Popen[bytes]") -> Iterator[bytes]:
        assert process.stdout is not None
        try:
            while chunk := process.stdout.read1(65536):
                if self.chunk_delay:
                    time.sleep(self.chunk_delay)
                yield chunk
        finally:
            process.stdout.close()
            if process.poll() is None:
                process.kill()
            process.wait()
