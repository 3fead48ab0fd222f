"""`chatcore users …`: an operator manages accounts from the shell, as an admin would."""

import json

import httpx

from chatcore.accounts.model import OPERATOR_ID
from tests.contract.api.conftest import Account, login, unique_name
from tests.contract.api.server import ChatcoreServer
from tests.contract.api.test_rooms_api import closed_with, joined, sibling


def run(server: ChatcoreServer, *args: str) -> str:
    done = server.cli("users", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_users_are_listed_page_by_page_and_shown_by_id_or_email(
    server: ChatcoreServer, account: Account, other_account: Account
) -> None:
    listed: list[str] = []
    after: list[str] = []
    while True:
        page = [
            json.loads(line) for line in run(server, "list", "--limit", "2", *after).splitlines()
        ]
        if not page:
            break
        assert len(page) <= 2
        listed += [user["id"] for user in page]
        after = ["--after", page[-1]["id"]]
    assert listed == sorted(listed) and len(set(listed)) == len(listed)
    assert {account.id, other_account.id} <= set(listed)
    by_email = json.loads(run(server, "show", account.email))
    assert by_email == json.loads(run(server, "show", account.id))
    assert by_email["email"] == account.email and "password" not in json.dumps(by_email)


def test_an_operator_changes_roles_and_takes_accounts_out_of_service(
    server: ChatcoreServer, client: httpx.Client, account: Account
) -> None:
    assert json.loads(run(server, "set-role", account.id, "admin"))["role"] == "admin"
    assert client.get("/users/me", headers=account.headers).json()["role"] == "admin"
    audit = server.cli("audit", "--user", account.id, "--event", "role_changed")
    [event] = [json.loads(line) for line in audit.stdout.splitlines()]
    assert event["actor_id"] == OPERATOR_ID

    assert json.loads(run(server, "deactivate", account.email))["active"] is False
    assert client.get("/users/me", headers=account.headers).status_code == 401
    assert login(client, account.email).status_code == 403
    assert json.loads(run(server, "activate", account.email))["active"] is True
    assert login(client, account.email).status_code == 200


def test_an_operator_deletes_an_account(
    server: ChatcoreServer, client: httpx.Client, account: Account
) -> None:
    assert json.loads(run(server, "delete", account.id)) == {"deleted": account.id}
    assert login(client, account.email).status_code == 401
    missing = server.cli("users", "show", account.id)
    assert missing.returncode == 1 and "User not found" in missing.stderr
    bad = server.cli("users", "show", "not-an-id")
    assert bad.returncode == 1 and bad.stderr.startswith("chatcore: ")


def test_a_deactivation_from_the_shell_closes_the_users_sockets(
    server: ChatcoreServer, account: Account, redis_url: str
) -> None:
    with (
        sibling(server, CHATCORE_BROKER_URL=redis_url) as served,
        joined(served, unique_name("room"), account) as ws,
    ):
        run(served, "deactivate", account.id)
        assert closed_with(ws) == 1008
