"""The server's peak memory while it receives (and then serves back) a large upload.

    python -m bench.upload_memory [--megabytes 45]

Starts `chatcore serve` on a fresh data dir (SQLite, files in the data dir), warms it up
with a small upload, then streams a ZIP-free text upload of the given size from a
generator (the client never holds it either) and reads the server's VmHWM — its peak
resident set — from /proc before and after. Then downloads the file and checks the bytes.
"""

import argparse
import hashlib
import http.client
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from urllib.parse import quote

from bench.http_client import JsonClient
from bench.run import PASSWORD, free_port, served

CHUNK = 1024 * 1024
BOUNDARY = "chatcore-bench-boundary"


def memory_kib(pid: int, field: str) -> int:
    """A VmHWM / VmRSS figure of /proc/<pid>/status, in KiB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def multipart(filename: str, size: int) -> tuple[int, Iterator[bytes]]:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    line = b"All work and no play makes a dull upload.\n"
    block = (line * (CHUNK // len(line) + 1))[:CHUNK]

    def body() -> Iterator[bytes]:
        yield head
        left = size
        while left:
            yield block[: min(left, CHUNK)]
            left -= min(left, CHUNK)
        yield tail

    return len(head) + size + len(tail), body()


def expected_digest(size: int) -> str:
    _, chunks = multipart("x", size)
    parts = list(chunks)
    digest = hashlib.sha256()
    for part in parts[1:-1]:
        digest.update(part)
    return digest.hexdigest()


def upload(port: int, token: str, session_id: str, filename: str, size: int) -> tuple[int, str]:
    length, body = multipart(filename, size)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    connection.request(
        "POST",
        f"/chat/sessions/{session_id}/artifacts/upload",
        body=body,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            "Content-Length": str(length),
        },
    )
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    return response.status, text


def download_digest(port: int, token: str, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    digest = hashlib.sha256()
    while chunk := response.read(CHUNK):
        digest.update(chunk)
    connection.close()
    return response.status, digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=int, default=45)
    args = parser.parse_args()
    size = args.megabytes * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="chatcore-upload-") as data_dir:
        port = free_port()
        env = {
            **os.environ,
            "CHATCORE_DATA_DIR": data_dir,
            "CHATCORE_PORT": str(port),
            "CHATCORE_RATE_LIMITS": "off",
        }
        subprocess.run(
            [sys.executable, "-m", "entrypoints.cli", "create-user", "--email",
             "upload@example.com", "--username", "upload", "--password", PASSWORD,
             "--verified"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        with served([sys.executable, "-m", "entrypoints.cli", "serve"], env, port) as server:
            client = JsonClient(port)
            status, signed_in = client.request(
                "POST",
                "/auths/login",
                form=f"username={quote('upload@example.com')}&password={PASSWORD}",
            )
            assert status == 200, signed_in
            token = signed_in["access_token"]
            client.token = token
            session_id = client.request("POST", "/chat/sessions", {"title": "upload"})[1]["_id"]
            # Warm-up: every module the upload path needs is loaded and its pages touched.
            assert upload(port, token, session_id, "warm.txt", 2 * CHUNK)[0] == 201
            before = memory_kib(server.pid, "VmHWM")
            started = time.monotonic()
            status, text = upload(port, token, session_id, "big.txt", size)
            seconds = time.monotonic() - started
            assert status == 201, text
            after_upload = memory_kib(server.pid, "VmHWM")
            artifact_id = text.split('"id":"', 1)[1].split('"', 1)[0]
            path = f"/chat/sessions/{session_id}/artifacts/{artifact_id}/download"
            status, digest = download_digest(port, token, path)
            assert status == 200 and digest == expected_digest(size), "download differs"
            after_download = memory_kib(server.pid, "VmHWM")
    print(f"upload of {args.megabytes} MiB in {seconds:.2f} s")
    print(f"server peak RSS (VmHWM) after warm-up:   {before / 1024:7.1f} MiB")
    print(f"server peak RSS after the upload:        {after_upload / 1024:7.1f} MiB")
    print(f"server peak RSS after downloading it:    {after_download / 1024:7.1f} MiB")
    print(f"peak growth while receiving the upload:  {(after_upload - before) / 1024:7.1f} MiB")


if __name__ == "__main__":
    main()
