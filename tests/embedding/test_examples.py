"""docs/embedding.md shows exactly the example files, and each example works as written.

The third example (docs/examples/test_host_mailer.py) is a test module: pytest collects it
from testpaths like any other.
"""

import json

import httpx
import pytest
from websockets.sync.client import connect

from tests.embedding.examples import DOC, EXAMPLES, ROOT, included_examples, load
from tests.embedding.serving import serving


def test_the_document_includes_every_example_file_verbatim() -> None:
    included = included_examples()
    files = sorted(str(path.relative_to(ROOT)) for path in EXAMPLES.glob("*.py"))
    assert sorted(included) == files, f"{DOC.name} and docs/examples/ list different files"
    for path, code in included.items():
        assert code == (ROOT / path).read_text(encoding="utf-8"), f"{path} differs from the doc"


def test_the_offline_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    load("offline")
    assert capsys.readouterr().out == "refused: Incorrect email or password\n"


def test_the_mounted_example_serves_chat_behind_the_hosts_sign_in() -> None:
    example = load("mounted")
    with serving(example.app) as address, httpx.Client(base_url=f"http://{address}") as client:
        assert client.post("/chat/chat/sessions", json={"title": "x"}).status_code == 401
        jane = client.post("/signup/jane").json()["chatcore_id"]
        created = client.post("/chat/chat/sessions", json={"title": "Plans"})
        assert created.status_code == 201, created.text
        sent = client.post(
            f"/chat/chat/sessions/{created.json()['_id']}/messages", json={"content": "Hi"}
        )
        assert sent.status_code == 201, sent.text
        assert client.get("/chat/users/me").json()["id"] == jane
        cookie = {"Cookie": f"host_session={client.cookies['host_session']}"}
        # Room events flow only if the host's lifespan started chatcore's room hub.
        with connect(
            f"ws://{address}/chat/chat/ws/general", additional_headers=cookie, open_timeout=10
        ) as socket:
            assert json.loads(socket.recv(timeout=10))["content"] == "jane joined the room"
            socket.send(json.dumps({"content": "hello room"}))
            assert json.loads(socket.recv(timeout=10))["content"] == "hello room"
