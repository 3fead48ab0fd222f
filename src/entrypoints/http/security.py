"""Who is calling: the bearer token of a request, or the host's word, made into a User."""

import inspect
from collections.abc import Awaitable, Callable
from datetime import datetime

from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket

from chatcore.accounts.model import User
from chatcore.core import ChatCore
from chatcore.shared.errors import Unauthenticated
from entrypoints.http.offload import run

# A host that authenticates callers itself (its own sessions, SSO, an API gateway) says
# who is calling: a chatcore User, or None for nobody. Sync or async.
Identity = Callable[[HTTPConnection], User | Awaitable[User | None] | None]


def core_of(connection: HTTPConnection) -> ChatCore:
    core: ChatCore = connection.app.state.core
    return core


def bearer_token(connection: HTTPConnection) -> str | None:
    """The token of an `Authorization: Bearer …` header, if there is one."""
    header = connection.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Invalid authorization header: expected 'Bearer <token>'")
    return token.strip()


async def current_user(connection: HTTPConnection) -> User:
    """The signed-in caller; Unauthenticated (401) without a valid access token."""
    if connection.app.state.identity is not None:
        return _required(await _host_user(connection))
    token = bearer_token(connection)
    if token is None:
        raise Unauthenticated("Not authenticated")
    return await run(connection, core_of(connection).auth.authenticate, token)


async def optional_user(connection: HTTPConnection) -> User | None:
    """The caller if one is identified (a token sent must then be valid), else None."""
    if connection.app.state.identity is not None:
        return await _host_user(connection)
    if connection.headers.get("authorization") is None:
        return None
    return await current_user(connection)


async def socket_user(websocket: WebSocket) -> tuple[User, datetime | None]:
    """The caller of a room socket, and when their token expires (None: never, for chatcore).

    Browsers cannot set headers on a WebSocket, so the token comes as `?token=`.
    """
    if websocket.app.state.identity is not None:
        return _required(await _host_user(websocket)), None
    token = websocket.query_params.get("token", "")
    return await run(websocket, core_of(websocket).auth.authenticate_until, token)


async def _host_user(connection: HTTPConnection) -> User | None:
    """The host's caller, as chatcore's accounts know them now; None if the host says nobody."""
    identity: Identity = connection.app.state.identity
    answer = identity(connection)
    user = await answer if inspect.isawaitable(answer) else answer
    if user is None:
        return None
    return await run(connection, core_of(connection).auth.admit, user)


def _required(user: User | None) -> User:
    if user is None:
        raise Unauthenticated("Not authenticated")
    return user
