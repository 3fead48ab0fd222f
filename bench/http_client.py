"""A tiny keep-alive JSON client on http.client: fast enough to seed 100,000 messages."""

import http.client
import json
from typing import Any


class JsonClient:
    def __init__(self, port: int, token: str | None = None) -> None:
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.token = token

    def request(
        self, method: str, path: str, body: Any = None, form: str | None = None
    ) -> tuple[int, Any]:
        headers = {}
        payload: bytes | None = None
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            payload = form.encode()
        elif body is not None:
            headers["Content-Type"] = "application/json"
            payload = json.dumps(body).encode()
        self._connection.request(method, path, body=payload, headers=headers)
        response = self._connection.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None

    def close(self) -> None:
        self._connection.close()
