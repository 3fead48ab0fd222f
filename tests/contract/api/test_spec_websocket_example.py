"""The API document's own JavaScript example, run in a real browser against the server.

`browser_scripts/spec_websocket_example.js` is the example as the document prints it; the
test fills in what the example asks its reader to (the token, where the server is) and
nothing else.
"""

import json
from pathlib import Path

import pytest

from tests.contract.api.browser import Browser
from tests.contract.api.conftest import Account
from tests.contract.api.server import ChatcoreServer

EXAMPLE = Path(__file__).parent / "browser_scripts" / "spec_websocket_example.js"
SPEC = Path(__file__).parents[4] / "shared" / "spec" / "000_31cf7d28aa6e2ffc.txt"

# console.log and console.error, kept where the test can read them.
CAPTURE_CONSOLE = """
window.__logs = [];
for (const level of ["log", "error"]) {
  const original = console[level].bind(console);
  console[level] = (...args) => {
    window.__logs.push(args.map((a) => typeof a === "string" ? a : JSON.stringify(a)).join(" "));
    original(...args);
  };
}
"""


def test_the_example_is_the_documents(  # so that the copy cannot drift from the spec
) -> None:
    if not SPEC.exists():
        pytest.skip("the API document is not beside the repository")
    text = SPEC.read_text()
    example = text.split("## WebSocket Connection Example (JavaScript)", 1)[1]
    assert example.split("```javascript\n", 1)[1].split("```", 1)[0] == EXAMPLE.read_text()


def test_the_documents_javascript_example_works_in_a_browser(
    browser: Browser, server: ChatcoreServer, account: Account
) -> None:
    script = (
        EXAMPLE.read_text()
        .replace("your_access_token_here", account.access_token)
        .replace("localhost:8000", f"127.0.0.1:{server.port}")
    )
    # A page of the server's own origin stands for the front end the example lives in.
    browser.send("Page.navigate", url=f"{server.url}/healthz")
    browser.wait_for("document.readyState === 'complete'")
    browser.evaluate(CAPTURE_CONSOLE)
    browser.evaluate(script)
    said = f"{account.username}: Hello everyone!"
    logs = browser.wait_for(f"window.__logs.includes({json.dumps(said)}) && window.__logs")
    assert logs[0] == "Connected to chat room"
    assert f"[System] {account.username} joined the room" in logs
    received = [
        json.loads(line.removeprefix("Received: "))
        for line in logs
        if line.startswith("Received: ")
    ]
    message = next(event for event in received if event["type"] == "message")
    assert message["username"] == account.username and message["room"] == "general"
    browser.evaluate("ws.close()")
    browser.wait_for("window.__logs.includes('Disconnected from chat room')")
    assert not any(line.startswith("WebSocket error") for line in browser.evaluate("window.__logs"))
