"""A host Starlette app serving chatcore under /chat, behind the host's own sign-in."""

import contextlib
import secrets
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

import chatcore
from chatcore_embed import build, create_app, lifespan

runtime = build(database_url="memory://")  # or sqlite:///…, mongodb://…
# The host's session store: its cookie → the chatcore account of that person.
HOST_SESSIONS: dict[str, chatcore.User] = {}


def host_identity(connection: HTTPConnection) -> chatcore.User | None:
    """Who is calling, by the host's cookie; chatcore's own tokens are not asked for."""
    return HOST_SESSIONS.get(connection.cookies.get("host_session", ""))


async def sign_up(request: Request) -> JSONResponse:
    """Stands in for the host's real sign-up: it opens the chatcore account too."""
    name = request.path_params["name"]
    user = await run_in_threadpool(  # hashing a password takes milliseconds: off the loop
        runtime.core.auth.create_user,
        name,
        f"{name}@host.example",
        secrets.token_urlsafe(16),  # never used: the host signs its people in
        verified=True,
    )
    cookie = secrets.token_urlsafe(16)
    HOST_SESSIONS[cookie] = user
    response = JSONResponse({"chatcore_id": user.id})
    response.set_cookie("host_session", cookie, httponly=True)
    return response


# The server `chatcore serve` runs (rate limits, metrics, its threads, …), with the host's
# sign-in instead of chatcore's tokens.
chat = create_app(runtime, identity=host_identity)


@contextlib.asynccontextmanager
async def host_lifespan(app: Starlette) -> AsyncIterator[None]:
    # Starlette runs the outer app's lifespan only: the host enters chatcore's in its own.
    async with lifespan(chat):
        yield


app = Starlette(
    routes=[Route("/signup/{name}", sign_up, methods=["POST"]), Mount("/chat", app=chat)],
    lifespan=host_lifespan,
)
