"""A real git smart-HTTP server on loopback (`git http-backend`), and repositories made with `git`.

`git http-backend` is git's own CGI program; a small WSGI app runs it for each request and
wsgiref serves that on 127.0.0.1 in a thread. The fetcher under test talks to real git,
exactly as it would to a forge (GitHub answers the same protocol).
"""

import hashlib
import os
import shutil
import subprocess
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from socketserver import ThreadingMixIn
from types import TracebackType
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from dulwich.pack import write_pack_index_v2

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


def make_tree_bomb(root: Path, name: str, fan_out: int = 1000, levels: int = 2) -> Path:
    """A valid repository of empty folders: `levels` of trees each naming `fan_out` copies
    of the level below, so a few kilobytes name fan_out ** levels folders and no file."""
    bare = root / name
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    tree = _git_input(bare, "", "mktree")  # the empty tree
    for _ in range(levels):
        entries = "".join(f"040000 tree {tree}\td{number:05}\n" for number in range(fan_out))
        tree = _git_input(bare, entries, "mktree")
    commit = git("commit-tree", tree, "-m", "A tree bomb", cwd=bare).strip()
    git("update-ref", "refs/heads/main", commit, cwd=bare)
    return bare


def make_delta_bomb(root: Path, name: str, copies: int = 1000, size: int = 1024 * 1024) -> Path:
    """A valid repository of `copies` files of `size` bytes, each one small edit away from
    one base: its pack holds the base and `copies` deltas of a few bytes each, so a pack
    of a few tens of kilobytes declares copies * size bytes that an indexer must rebuild.

    The pack and its index are written here (git would take minutes to find the deltas);
    git serves the deltas as they are, since it sends their base too (`base.txt`).
    """
    bare = root / name
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    base = b"".join(b"line %d of the text every file shares\n" % n for n in range(size // 30))
    base = base[: size - 12]
    base_id = _object_id(b"blob", base)
    # Every file is the base and a 12-byte line of its own: one hash prefix serves them all.
    prefix = hashlib.sha1(b"blob %d\0" % size + base)
    objects = [(base_id, _pack_entry(3, zlib.compress(base, 9), len(base)))]
    delta_head = _varint(len(base)) + _varint(size) + _copy(0, len(base)) + bytes([12])
    for number in range(copies):
        edit = b"edit %06d\n" % number
        digest = prefix.copy()
        digest.update(edit)
        delta = zlib.compress(delta_head + edit)
        objects.append((digest.digest(), _pack_entry(7, base_id + delta, len(delta_head) + 12)))
    body = b"PACK" + (2).to_bytes(4, "big") + len(objects).to_bytes(4, "big")
    entries, offset, chunks = [], len(body), [body]
    for object_id, entry in objects:
        entries.append((object_id, offset, zlib.crc32(entry)))
        chunks.append(entry)
        offset += len(entry)
    checksum = hashlib.sha1(b"".join(chunks)).digest()
    pack_dir = bare / "objects" / "pack"
    (pack_dir / f"pack-{checksum.hex()}.pack").write_bytes(b"".join(chunks) + checksum)
    with open(pack_dir / f"pack-{checksum.hex()}.idx", "wb") as index:
        write_pack_index_v2(index, sorted(entries), checksum)
    # The base is a file too: git reuses a delta only when it sends the delta's base.
    files = [("base.txt", base_id)] + [(f"f{n:05}.txt", entries[n + 1][0]) for n in range(copies)]
    tree = _git_input(bare, "".join(f"100644 blob {i.hex()}\t{p}\n" for p, i in files), "mktree")
    commit = git("commit-tree", tree, "-m", "A delta bomb", cwd=bare).strip()
    git("update-ref", "refs/heads/main", commit, cwd=bare)
    return bare


def _git_input(cwd: Path, text: str, *args: str) -> str:
    completed = subprocess.run(["git", *args], input=text, cwd=cwd, env={**os.environ, **GIT_ENV},
                               check=True, capture_output=True, text=True)  # fmt: skip
    return completed.stdout.strip()


def _object_id(kind: bytes, data: bytes) -> bytes:
    return hashlib.sha1(kind + b" %d\0" % len(data) + data).digest()


def _pack_entry(kind: int, payload: bytes, size: int) -> bytes:
    """A pack object header (type, inflated size) followed by `payload`."""
    header = [(kind << 4) | (size & 0x0F)]
    size >>= 4
    while size:
        header[-1] |= 0x80
        header.append(size & 0x7F)
        size >>= 7
    return bytes(header) + payload


def _varint(value: int) -> bytes:
    out = []
    while True:
        out.append(value & 0x7F)
        value >>= 7
        if not value:
            return bytes(out)
        out[-1] |= 0x80


def _copy(offset: int, length: int) -> bytes:
    """A delta instruction copying `length` (< 16 MiB) bytes of the base from `offset`."""
    command, operands = 0x80, b""
    for bit, byte in enumerate(offset.to_bytes(4, "little")):
        if byte:
            command |= 1 << bit
            operands += bytes([byte])
    for bit, byte in enumerate(length.to_bytes(3, "little")):
        if byte:
            command |= 0x10 << bit
            operands += bytes([byte])
    return bytes([command]) + operands
