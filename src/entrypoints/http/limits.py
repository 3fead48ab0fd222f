"""Rate limits by route: which routes count against which rate, and the wrapper that counts.

Every route is wrapped when the app is made, so a route added later is limited too: by
the table below if it names the route, else by its method ("read" or "write"). The
wrapper keys each request by client address and, with a genuine access token, by
account as well; both must admit it. One limiter call per request.
"""

import copy
import math
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qs

import attrs
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from chatcore.accounts.model import normalize_email
from chatcore.accounts.ports import TokenService
from chatcore.accounts.tokens import TokenKind
from chatcore.shared.rate_limits import Rate
from entrypoints.http.client_address import ClientAddresses
from entrypoints.http.errors import error_response
from entrypoints.http.metrics import Metrics
from entrypoints.http.ports import RateLimiter

# (method, route template) → limit class, for routes that differ from their method's
# default; None: not limited. The classes' rates are settings (DEFAULT_RATES).
LIMIT_CLASSES: dict[tuple[str, str], str | None] = {
    ("GET", "/healthz"): None,  # load balancers probe it, and it reads nothing
    ("GET", "/metrics"): None,  # Prometheus scrapes it; a refused scrape is a gap in a graph
    ("POST", "/auths/login"): "login",
    ("POST", "/auths/refresh"): "login",
    ("POST", "/users/"): "register",
    ("POST", "/auths/reset-password-request"): "password_reset",
    ("POST", "/auths/reset-password"): "password_reset",
    ("POST", "/auths/verify-email"): "verify_email",
    ("POST", "/auths/undo-email-change"): "verify_email",
    # Each can store megabytes or start a repository fetch: far dearer than a message.
    ("POST", "/chat/sessions/{session_id}/artifacts"): "artifact_create",
    ("POST", "/chat/sessions/{session_id}/artifacts/upload"): "artifact_create",
    ("POST", "/chat/sessions/{session_id}/context/repository"): "artifact_create",
}
# Routes also limited per the account they act on, named by a query parameter: (method,
# template) → (limit class, parameter). A reset request from many addresses at one email
# would otherwise flood that inbox; the address's own class is judged first, so a request
# it refuses does not spend the target's allowance.
TARGET_LIMITS: dict[tuple[str, str], tuple[str, str]] = {
    ("POST", "/auths/reset-password-request"): ("password_reset_email", "email"),
}
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ACCOUNTS_REMEMBERED = 8192  # Authorization headers whose account is kept (then forgotten)


def limit_class(method: str, template: str) -> str | None:
    """The limit class of a request to a route, by the table, else by method."""
    if (method, template) in LIMIT_CLASSES:
        return LIMIT_CLASSES[method, template]
    return "read" if method in READ_METHODS else "write"


@attrs.frozen
class RateLimits:
    """What the wrapped routes need: the limiter, the rates, and who the client is."""

    limiter: RateLimiter
    rates: Mapping[str, Rate]
    addresses: ClientAddresses
    tokens: TokenService
    metrics: Metrics | None = None  # where refusals are counted

    # A client sends the same Authorization header for an hour: the account it names is
    # worked out once (the header as it came → the account, or None).
    accounts: dict[bytes, str | None] = attrs.field(factory=dict, init=False, eq=False)

    def account_of(self, authorization: bytes) -> str | None:
        """The account an Authorization header names, if its token is one we signed.

        Counting a forged token against its `sub` would let anyone spend another user's
        allowance.
        """
        scheme, _, token = authorization.decode("latin-1").partition(" ")
        if scheme.lower() != "bearer":
            return None
        claims = self.tokens.read(token.strip(), TokenKind.ACCESS)
        return None if claims is None else claims.user_id

    async def close(self) -> None:
        await self.limiter.close()


def limited_routes(routes: Iterable[BaseRoute], limits: RateLimits) -> list[BaseRoute]:
    """The routes, each HTTP one (and mount) wrapped in its rate limits; others as they are."""
    wrapped: list[BaseRoute] = []
    for route in routes:
        if isinstance(route, Route | Mount):
            template = route.path if isinstance(route, Route) else f"{route.path}/{{path:path}}"
            # A copy: the module-level routes stay as written, for other apps to wrap.
            route = copy.copy(route)
            route.app = RateLimited(route.app, template, limits)
        wrapped.append(route)
    return wrapped


class RateLimited:
    """An ASGI app in front of one route: 429 with Retry-After once a rate is spent."""

    def __init__(self, app: ASGIApp, template: str, limits: RateLimits) -> None:
        self._app = app
        self._template = template
        self._limits = limits
        # method → (key prefix, rate), filled on first use: routes are few, methods fewer.
        self._by_method: dict[str, tuple[str, Rate] | None] = {}
        # method → (key prefix, rate, query parameter) for routes in TARGET_LIMITS.
        self._targets = {
            method: (name, limits.rates[name], parameter)
            for (method, path), (name, parameter) in TARGET_LIMITS.items()
            if path == template
        }

    def _class_of(self, method: str) -> tuple[str, Rate] | None:
        if method not in self._by_method:
            name = limit_class(method, self._template)
            self._by_method[method] = None if name is None else (name, self._limits.rates[name])
        return self._by_method[method]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        found = self._class_of(scope["method"])
        if found is None:
            await self._app(scope, receive, send)
            return
        name, rate = found
        keys = [f"{name}:ip:{self._limits.addresses.of(scope)}"]
        account = self._account(scope)
        if account is not None:
            keys.append(f"{name}:user:{account}")
        wait = await self._limits.limiter.acquire(keys, rate)
        if wait <= 0:
            wait = await self._target_wait(scope)
        if wait > 0:
            if self._limits.metrics is not None:
                self._limits.metrics.rate_limit_refusals.labels(name).inc()
            seconds = max(1, math.ceil(wait))
            response = error_response(
                429,
                f"Too many requests: try again in {seconds} seconds",
                {"Retry-After": str(seconds)},
            )
            await response(scope, receive, send)
            return
        await self._app(scope, receive, send)

    async def _target_wait(self, scope: Scope) -> float:
        target = self._targets.get(scope["method"])
        if target is None:
            return 0.0
        name, rate, parameter = target
        values = parse_qs(scope["query_string"].decode("latin-1")).get(parameter)
        if not values or not values[0].strip():
            return 0.0  # the route answers the missing parameter itself
        return await self._limits.limiter.acquire(
            [f"{name}:{parameter}:{normalize_email(values[0])}"], rate
        )

    def _account(self, scope: Scope) -> str | None:
        for name, value in scope["headers"]:
            if name == b"authorization":
                accounts = self._limits.accounts
                if value not in accounts:
                    if len(accounts) >= ACCOUNTS_REMEMBERED:
                        accounts.clear()
                    accounts[value] = self._limits.account_of(value)
                return accounts[value]
        return None
