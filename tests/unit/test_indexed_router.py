"""The indexed router answers every request as Starlette's own router does."""

import asyncio
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route, Router

from entrypoints.http.routing import IndexedRouter


async def named(request: Request) -> PlainTextResponse:
    route = request.scope["route"]
    return PlainTextResponse(f"{route.path} {sorted(request.path_params.items())}")


ROUTES = [
    Route("/healthz", named),
    # Before /users/me, so that the order of the routes decides GET /users/me.
    Route("/{anything}/me", named, methods=["GET"]),
    Route("/users/", named, methods=["POST"]),
    Route("/users/me", named),
    Route("/users/{user_id}", named, methods=["GET", "PUT"]),
    Route("/users/{user_id}", named, methods=["DELETE"]),
    Route("/{anything}/x", named),
    Route("/chat/sessions", named, methods=["GET", "POST"]),
    Route("/chat/sessions/{session_id}/files/{path:path}", named),
    Route("/chat/messages/{room}", named),
    Route("/chat/messages/{message_id}", named, methods=["DELETE"]),
    Mount("/docs", routes=[Route("/page", named)]),
]

SEGMENTS = ["", "users", "me", "chat", "sessions", "messages", "files", "x", "docs", "page",
            "healthz", "a1", "users/"]  # fmt: skip


def answer(router: Router, method: str, path: str, root_path: str = "") -> tuple[Any, ...]:
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http", "method": method, "path": root_path + path, "root_path": root_path,
        "raw_path": (root_path + path).encode(), "query_string": b"", "headers": [],
        "http_version": "1.1", "scheme": "http", "server": ("test", 80),
    }  # fmt: skip

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(router(scope, receive, send))
    start = sent[0]
    headers = {k: v for k, v in start["headers"] if k in (b"location", b"allow")}
    return start["status"], headers, b"".join(m.get("body", b"") for m in sent[1:])


@given(
    st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
    st.lists(st.sampled_from(SEGMENTS), min_size=0, max_size=5),
    st.sampled_from(["", "/prefix"]),
)
@example("GET", ["users", "me"], "")  # where the order of the routes decides
@example("DELETE", ["users", "me"], "/prefix")  # a 405, under a mount prefix
def test_every_answer_is_starlettes(method: str, segments: list[str], root_path: str) -> None:
    path = "/" + "/".join(segments)
    ours, theirs = IndexedRouter(ROUTES, lifespan=None), Router(ROUTES)  # type: ignore[arg-type]
    assert answer(ours, method, path, root_path) == answer(theirs, method, path, root_path)


def test_routes_added_later_are_found() -> None:
    router = IndexedRouter(list(ROUTES), lifespan=None)  # type: ignore[arg-type]
    assert answer(router, "GET", "/late")[0] == 404
    router.routes.append(Route("/late", named))
    assert answer(router, "GET", "/late")[0] == 200
