"""/docs: Swagger UI served by chatcore itself, tried in a real (headless) browser."""

from typing import Any

import httpx

from tests.contract.api.browser import Browser
from tests.contract.api.server import ChatcoreServer


def test_the_page_and_its_assets_come_from_chatcore(client: httpx.Client) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "<script>" not in page.text  # every script is a file: no inline code
    assert "http" not in page.text  # nothing from elsewhere
    for asset, kind in [
        ("swagger-ui-bundle.js", "text/javascript"), ("init.js", "text/javascript"),
        ("swagger-ui.css", "text/css"),
    ]:  # fmt: skip
        response = client.get(f"/docs/{asset}")
        assert response.status_code == 200, asset
        assert response.headers["content-type"].startswith(kind), asset
    assert client.get("/docs/index.html").status_code == 404
    assert client.get("/docs/swagger-initializer.js").status_code == 404


def test_swagger_ui_lists_the_operations_and_tries_healthz(
    browser: Browser, server: ChatcoreServer, api_document: dict[str, Any]
) -> None:
    browser.send("Page.navigate", url=f"{server.url}/docs")
    operations = sum(len(item) for item in api_document["paths"].values())
    shown = browser.wait_for(
        f"document.querySelectorAll('.opblock').length >= {operations}"
        " && document.querySelectorAll('.opblock').length"
    )
    assert shown == operations
    assert browser.evaluate("document.querySelector('.info .title').textContent").startswith(
        "chatcore"
    )
    healthz = "document.querySelector('#operations-health-healthz')"
    browser.evaluate(f"{healthz}.querySelector('.opblock-summary-control').click()")
    browser.wait_for(f"!!{healthz}.querySelector('.try-out__btn')")
    browser.evaluate(f"{healthz}.querySelector('.try-out__btn').click()")
    browser.wait_for(f"!!{healthz}.querySelector('.execute')")
    browser.evaluate(f"{healthz}.querySelector('.execute').click()")
    answer = ".live-responses-table tr.response"
    status = browser.wait_for(
        f"{healthz}.querySelector('{answer} .response-col_status')?.textContent"
    )
    assert status.strip() == "200"
    body = browser.evaluate(
        f"{healthz}.querySelector('.live-responses-table tr.response pre').textContent"
    )
    assert '"status": "ok"' in body
    assert browser.evaluate("window.__violations") == []
