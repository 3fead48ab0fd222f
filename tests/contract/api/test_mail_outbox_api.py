"""Mail goes out in the background: a mail server that hangs stalls no request, and every
email queued while it was down arrives exactly once when it is back, across restarts too.
"""

import json
import socket
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.contract.api.conftest import PASSWORD, login, unique_name
from tests.contract.api.server import ChatcoreServer, SmtpServer
from tests.processes import free_port


class HangingSmtp:
    """A 'mail server' that accepts connections and never says a word, until it recovers.

    Recovering closes every held connection and serves real SMTP (aiosmtpd) on the same port.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", self.port))
        self._listener.listen(64)
        self._held: list[socket.socket] = []
        self._closing = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()
        self.smtp: SmtpServer | None = None

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            if self._closing:
                connection.close()
                return
            self._held.append(connection)

    @property
    def connections(self) -> int:
        return len(self._held)

    def recover(self) -> SmtpServer:
        self._closing = True
        self._listener.close()
        self._thread.join(5)
        for connection in self._held:
            connection.close()
        self.smtp = SmtpServer(self.port).__enter__()
        return self.smtp

    def close(self) -> None:
        if self.smtp is not None:
            self.smtp.__exit__()
        else:
            self._closing = True
            self._listener.close()
            for connection in self._held:
                connection.close()


@pytest.fixture
def hanging_smtp() -> Iterator[HangingSmtp]:
    server = HangingSmtp()
    yield server
    server.close()


def verified_user(server: ChatcoreServer) -> str:
    name = unique_name("mail")
    email = f"{name}@example.com"
    created = server.cli(
        "create-user", "--email", email, "--username", name, "--password", PASSWORD, "--verified",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["email"] == email
    return email


def test_a_hanging_mail_server_stalls_no_request_and_every_email_arrives_once(
    tmp_path: Path, hanging_smtp: HangingSmtp
) -> None:
    server = ChatcoreServer(
        tmp_path,
        {
            "CHATCORE_SMTP_URL": f"smtp://127.0.0.1:{hanging_smtp.port}",
            # Long enough that sending on the request's path would show in every answer.
            "CHATCORE_SMTP_TIMEOUT_SECONDS": "5",
            "CHATCORE_RATE_LIMITS": "off",
            "CHATCORE_REPOSITORY_WORKERS": "0",
        },
    ).start()
    try:
        emails = [verified_user(server) for _ in range(4)]
        with httpx.Client(base_url=server.url, timeout=30) as client:
            token = login(client, emails[0]).json()["access_token"]
            me = {"Authorization": f"Bearer {token}"}
            latencies: list[float] = []
            done = threading.Event()

            def read_me() -> None:
                with httpx.Client(base_url=server.url, timeout=30, headers=me) as reader:
                    while not done.is_set():
                        started = time.perf_counter()
                        assert reader.get("/users/me").status_code == 200
                        latencies.append(time.perf_counter() - started)
                        time.sleep(0.005)

            reader = threading.Thread(target=read_me)
            reader.start()
            try:
                time.sleep(0.5)
                answers = []
                for n in range(20):
                    started = time.perf_counter()
                    response = client.post(
                        "/auths/reset-password-request", params={"email": emails[n % 4]}
                    )
                    answers.append(time.perf_counter() - started)
                    assert response.status_code == 200, response.text
                time.sleep(3)  # the sender is stuck on the silent server meanwhile
            finally:
                done.set()
                reader.join(30)
            assert hanging_smtp.connections >= 1
            # Answered at once: nowhere near the 5 s a send on the request's path would take.
            assert max(answers) < 1.0, answers
            assert len(latencies) >= 100
            p99 = statistics.quantiles(latencies, n=100)[98]
            assert p99 < 0.050, f"p99 {p99 * 1000:.1f} ms over {len(latencies)} requests"

        smtp = hanging_smtp.recover()
        for email in emails:
            smtp.mailbox.wait_for(email, "Reset your password", count=5, timeout=60)
        time.sleep(3)  # room for any copy that would arrive twice
        messages = smtp.mailbox.messages
        assert Counter(str(m["To"]) for m in messages) == dict.fromkeys(emails, 5)
        assert len({m["Message-ID"] for m in messages}) == 20
        assert len({m.get_payload() for m in messages}) == 20  # 20 distinct links
    finally:
        server.stop()


def test_emails_queued_before_a_restart_arrive_after_it(tmp_path: Path) -> None:
    smtp_port = free_port()  # nothing listens there yet: every try is refused
    env = {
        "CHATCORE_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "CHATCORE_RATE_LIMITS": "off",
        "CHATCORE_REPOSITORY_WORKERS": "0",
    }
    first = ChatcoreServer(tmp_path, env).start()
    try:
        email = verified_user(first)
        name = unique_name()
        with httpx.Client(base_url=first.url, timeout=30) as client:
            registered = client.post(
                "/users/",
                json={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
            )
            assert registered.status_code == 200, registered.text
            reset = client.post("/auths/reset-password-request", params={"email": email})
            assert reset.status_code == 200, reset.text
        time.sleep(1.5)  # a try or two, refused
    finally:
        first.stop()
    assert "not sent" in first.log()

    with SmtpServer(smtp_port) as smtp:
        second = ChatcoreServer(tmp_path, env).start()
        try:
            verification = smtp.mailbox.wait_for(f"{name}@example.com", "Verify", timeout=60)
            reset_email = smtp.mailbox.wait_for(email, "Reset your password", timeout=60)
            time.sleep(2)  # room for any copy that would arrive twice
            assert len(smtp.mailbox.messages) == 2
            # The links work: the emails are the ones the first server queued.
            token = verification.get_payload(decode=True)
            assert isinstance(token, bytes) and b"token=" in token
            assert reset_email["Message-ID"] != verification["Message-ID"]
        finally:
            second.stop()


def test_two_servers_on_one_database_send_each_email_once(tmp_path: Path) -> None:
    with SmtpServer() as smtp:
        env = {
            "CHATCORE_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
            "CHATCORE_RATE_LIMITS": "off",
            "CHATCORE_REPOSITORY_WORKERS": "0",
        }
        first = ChatcoreServer(tmp_path, env).start()
        second = ChatcoreServer(tmp_path, env).start()
        try:
            emails = [verified_user(first) for _ in range(2)]
            for n in range(20):
                # Alternate: each queues half, and both senders look for every email.
                server = (first, second)[n % 2]
                reset = httpx.post(
                    f"{server.url}/auths/reset-password-request",
                    params={"email": emails[(n // 2) % 2]},
                    timeout=30,
                )
                assert reset.status_code == 200, reset.text
            for email in emails:
                smtp.mailbox.wait_for(email, "Reset your password", count=10, timeout=60)
            time.sleep(3)  # room for any copy that would arrive twice
            messages = smtp.mailbox.messages
            assert Counter(str(m["To"]) for m in messages) == dict.fromkeys(emails, 10)
            assert len({m["Message-ID"] for m in messages}) == 20
        finally:
            first.stop()
            second.stop()
