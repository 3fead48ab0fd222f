"""schemathesis: the whole HTTP API fuzzed from its own OpenAPI document.

Every operation gets bounded examples that fit the document (and some that do not), sent
with a real access token; each response must not be a 5xx, must be documented and fit its
schema, and an operation that needs a token must refuse the request without it (401).
About half the generated ids are the account's own session and archive (`aim_at_own`), so
downloads, file listings and file contents are fuzzed past their lookups too.
"""

import re
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    positive_data_acceptance,
    unsupported_method,
)

from entrypoints.http.app import ROUTES
from entrypoints.http.openapi.document import openapi_document
from entrypoints.version import chatcore_version
from tests import files
from tests.contract.api.conftest import PASSWORD, login
from tests.contract.api.server import ChatcoreServer

# Enough to find the edges of every body and parameter, small enough for `make test`.
EXAMPLES_PER_OPERATION = 60

ID = re.compile("[0-9a-f]{24}")

EXCLUDED_CHECKS = [
    # The API contract answers 400 for rules no schema can say: a taken email or username,
    # an empty update, a blank title. Schema-valid data may well be refused.
    positive_data_acceptance,
    # The spec's paths overlap: PUT /users/me is PUT /users/{user_id} with the id "me"
    # (400), and DELETE /chat/messages/general is a message id, not a room: not a 405.
    unsupported_method,
]

# The document the server serves (test_openapi.py proves they are one), built here because
# the tests are generated when pytest collects them, before any server runs.
schema = schemathesis.openapi.from_dict(
    openapi_document(ROUTES, title="chatcore", version=chatcore_version())
)
# Unknown query parameters are ignored, as most HTTP APIs do: not a schema violation here.
# The token is the test's own (below), not a generated header.
schema.config.generation.update(allow_extra_parameters=False, with_security_parameters=False)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatcoreServer]:
    # A server of its own: fuzzing creates and changes accounts the other tests rely on.
    running = ChatcoreServer(
        tmp_path_factory.mktemp("fuzzed"), {"CHATCORE_RATE_LIMITS": "off"}
    ).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def token(fuzzed: ChatcoreServer) -> str:
    created = fuzzed.cli(
        "create-user", "--email", "fuzz@example.com", "--username", "fuzzer",
        "--password", PASSWORD, "--verified",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    with httpx.Client(base_url=fuzzed.url, timeout=30) as http:
        signed_in = login(http, "fuzz@example.com").json()
    access: str = signed_in["access_token"]
    return access


@pytest.fixture(scope="module")
def owned(fuzzed: ChatcoreServer, token: str) -> dict[str, str]:
    """A session, an indexed archive and one of its files, of the fuzzing account's own."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=fuzzed.url, timeout=30, headers=headers) as http:
        session = http.post("/chat/sessions", json={"title": "fuzzed"}).json()["_id"]
        archive, members = files.project_zip()
        uploaded = http.post(
            f"/chat/sessions/{session}/artifacts/upload",
            files={"file": ("project.zip", archive, "application/zip")},
        )
        assert uploaded.status_code == 201, uploaded.text
    return {
        "session_id": session,
        "artifact_id": uploaded.json()["id"],
        "file_path": sorted(members)[0],
    }


def aim_at_own(case: Case, owned: dict[str, str]) -> None:
    # Random ids only ever meet 404s: about half the well-formed ones (by their last
    # digit) are swapped for the account's own, so the operations behind the lookups run.
    # Never for a DELETE: the session and archive must live through every operation.
    if case.method.upper() == "DELETE":
        return
    for name, real in owned.items():
        value = (case.path_parameters or {}).get(name)
        if not isinstance(value, str):
            continue
        is_id = ID.fullmatch(value) is not None
        chosen = int(value[-1], 16) % 2 == 0 if is_id else len(value) % 2 == 0
        if chosen and (is_id or name == "file_path"):
            case.path_parameters[name] = real  # type: ignore[index]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_document(
    case: Case, token: str, fuzzed: ChatcoreServer, owned: dict[str, str]
) -> None:
    aim_at_own(case, owned)
    excluded = list(EXCLUDED_CHECKS)
    if case.operation.path.startswith("/chat/messages/"):
        # GET /chat/messages/{room} and DELETE /chat/messages/{message_id} are one path
        # to the router: its Allow header names both methods, the document one each.
        excluded.append(allow_header_conformance)
    case.call_and_validate(
        base_url=fuzzed.url,
        headers={"Authorization": f"Bearer {token}"},
        excluded_checks=excluded,
    )
    assert "Traceback" not in fuzzed.log(), fuzzed.log()[-3000:]


def test_the_fuzzed_server_logged_every_request_as_json(fuzzed: ChatcoreServer, token: str) -> None:
    entries = fuzzed.access_entries()
    assert entries
    for entry in entries:
        assert {"method", "path", "status", "duration_ms", "request_id"} <= set(entry)
    assert token not in fuzzed.log()
