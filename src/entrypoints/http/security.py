"""Who is calling: the bearer token of a request, made into a User."""

from starlette.requests import HTTPConnection

from chatcore.core import ChatCore
from chatcore.errors import Unauthenticated
from chatcore.users import User
from entrypoints.http.offload import run


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
    token = bearer_token(connection)
    if token is None:
        raise Unauthenticated("Not authenticated")
    return await run(connection, core_of(connection).auth.authenticate, token)


async def optional_user(connection: HTTPConnection) -> User | None:
    """The caller if a token is sent (it must then be valid), else None."""
    if connection.headers.get("authorization") is None:
        return None
    return await current_user(connection)
