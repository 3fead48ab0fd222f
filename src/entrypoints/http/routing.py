"""A Starlette router that looks only at the routes a path could match.

Starlette tries every route in turn, a regular expression each; with forty routes that is
a tenth of a fast request. Routes whose path starts with a fixed segment (`/chat/…`,
`/users/…`) can only match paths that start with it, so a request is tried first against
the routes of its first segment, in their order. Only when none of them matches in full
does the request go through Starlette's own loop (for the 405, the redirect and the 404),
so every answer is the one Starlette would give.
"""

from collections.abc import Sequence
from typing import Any

from starlette.routing import BaseRoute, Match, Mount, Route, Router, WebSocketRoute
from starlette.types import Lifespan, Receive, Scope, Send

# Routes whose first segment is a parameter (or that are not plain routes): tried for
# every path, in their place.
_ANY = ""


def first_segment(path: str) -> str:
    """`chat` for `/chat/sessions/{session_id}`; `_ANY` when the segment is a parameter."""
    segment = path.lstrip("/").partition("/")[0]
    return _ANY if "{" in segment else segment


class IndexedRouter(Router):
    def __init__(self, routes: Sequence[BaseRoute], lifespan: Lifespan[Any]) -> None:
        super().__init__(routes, lifespan=lifespan)
        self._indexed: Sequence[BaseRoute] = ()
        self._by_segment: dict[str, list[BaseRoute]] = {}
        self._anywhere: list[BaseRoute] = []

    def _candidates(self, path: str) -> list[BaseRoute]:
        if self._indexed != self.routes:  # built on first use, rebuilt if routes are added
            self._index()
        return self._by_segment.get(path.lstrip("/").partition("/")[0], self._anywhere)

    def _index(self) -> None:
        self._indexed = list(self.routes)
        keyed: dict[str, list[BaseRoute]] = {}
        for route in self._indexed:
            if isinstance(route, Route | WebSocketRoute | Mount):
                keyed.setdefault(first_segment(route.path), [])
        # Each segment's list keeps the routes' order, with the any-segment ones in place.
        self._by_segment = {
            segment: [
                route
                for route in self._indexed
                if not isinstance(route, Route | WebSocketRoute | Mount)
                or first_segment(route.path) in (segment, _ANY)
            ]
            for segment in keyed
        }
        self._anywhere = [
            route
            for route in self._indexed
            if not isinstance(route, Route | WebSocketRoute | Mount)
            or first_segment(route.path) == _ANY
        ]

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            for route in self._candidates(_route_path(scope)):
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.setdefault("router", self)
                    scope["route"] = route
                    scope.update(child_scope)
                    await route.handle(scope, receive, send)
                    return
        # No full match: Starlette's own loop gives the partial match (405), the slash
        # redirect, or the 404.
        await super().app(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The path the routes see: without the prefix a host mounted chatcore under."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and path.startswith(root_path):
        return path[len(root_path) :]
    return path
