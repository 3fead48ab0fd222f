import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import httpx
import jwt
import pytest

from tests.contract.api.browser import Browser
from tests.contract.api.conformance import ResponseConformance
from tests.contract.api.server import ChatcoreServer, Mailbox, SmtpServer

_numbers = itertools.count(1)
PASSWORD = "SecurePass123!"


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="session")
def mailbox(smtp: SmtpServer) -> Mailbox:
    return smtp.mailbox


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer) -> Iterator[ChatcoreServer]:
    running = ChatcoreServer(
        tmp_path_factory.mktemp("server"),
        {
            "CHATCORE_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
            "CHATCORE_RATE_LIMITS": "off",
            # Repositories it accepts (github.com, …) stay pending: tests never leave
            # loopback. test_repositories_api.py runs siblings that do ingest.
            "CHATCORE_REPOSITORY_WORKERS": "0",
        },
    ).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def api_document(server: ChatcoreServer) -> dict[str, Any]:
    response = httpx.get(f"{server.url}/openapi.json", timeout=10)
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


@pytest.fixture(scope="session")
def conformance(api_document: dict[str, Any]) -> ResponseConformance:
    return ResponseConformance(api_document)


@pytest.fixture
def client(server: ChatcoreServer, conformance: ResponseConformance) -> Iterator[httpx.Client]:
    # Every response a test receives is checked against the OpenAPI document on the way.
    hooks = {"response": [conformance]}
    with httpx.Client(base_url=server.url, timeout=30, event_hooks=hooks) as http:
        yield http


@attrs.define
class Account:
    """A registered, verified, signed-in user, and what the tests need of them."""

    id: str
    email: str
    username: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def unique_name(prefix: str = "user") -> str:
    return f"{prefix}{next(_numbers)}"


def register(client: httpx.Client, **fields: Any) -> httpx.Response:
    name = unique_name()
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD, **fields}
    return client.post("/users/", json=body)


def login(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    return client.post("/auths/login", data={"username": email, "password": password})


def signed_in_account(client: httpx.Client, mailbox: Mailbox) -> Account:
    response = register(client)
    assert response.status_code == 200, response.text
    user = response.json()
    token = mailbox.token(user["email"], "Verify")
    assert client.post("/auths/verify-email", params={"token": token}).status_code == 200
    signed_in = login(client, user["email"]).json()
    return Account(
        id=user["id"],
        email=user["email"],
        username=user["username"],
        password=PASSWORD,
        access_token=signed_in["access_token"],
        refresh_token=signed_in["refresh_token"],
    )


@pytest.fixture
def account(client: httpx.Client, mailbox: Mailbox) -> Account:
    return signed_in_account(client, mailbox)


@pytest.fixture
def other_account(client: httpx.Client, mailbox: Mailbox) -> Account:
    return signed_in_account(client, mailbox)


@pytest.fixture(scope="session")
def admin_credentials(server: ChatcoreServer) -> tuple[str, str]:
    name = unique_name("admin")
    email = f"{name}@example.com"
    created = server.cli(
        "create-user", "--email", email, "--username", name, "--password", PASSWORD,
        "--role", "admin", "--verified",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["role"] == "admin"
    return email, PASSWORD


@pytest.fixture
def admin(client: httpx.Client, admin_credentials: tuple[str, str]) -> dict[str, str]:
    signed_in = login(client, *admin_credentials).json()
    return {"Authorization": f"Bearer {signed_in['access_token']}"}


def forge_token(server: ChatcoreServer, account: Account, expires_in: timedelta) -> str:
    """An access token signed with the server's own key, expiring when the test says."""
    key = (Path(server.env["CHATCORE_DATA_DIR"]) / "secret_key").read_text().strip()
    claims = jwt.decode(account.access_token, key, algorithms=["HS256"])
    claims["exp"] = (datetime.now(UTC) + expires_in).timestamp()
    return jwt.encode(claims, key, algorithm="HS256")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium, driven over the DevTools protocol."""
    running = Browser()
    yield running
    running.close()
