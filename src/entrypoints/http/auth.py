"""/auths: login, token refresh, email verification and password reset."""

from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from entrypoints.http.offload import hashing, run
from entrypoints.http.request_limits import read_body
from entrypoints.http.security import core_of
from entrypoints.http.validation import json_body, json_object, required_param, structure
from entrypoints.http.views import token_fields, user_view


@attrs.frozen
class RefreshBody:
    refresh_token: str


@attrs.frozen
class ResetPasswordBody:
    token: str
    new_password: str


@attrs.frozen
class TokenBody:
    token: str


async def login(request: Request) -> JSONResponse:
    if request.headers.get("content-type", "").startswith("application/json"):
        fields: dict[str, Any] = await json_object(request)
    else:
        await read_body(request)  # the form is parsed from these bytes, once they fit
        async with request.form() as form:
            fields = {key: value for key, value in form.items() if isinstance(value, str)}
    email = required_param(fields, "username", "body")
    password = required_param(fields, "password", "body")
    address = request.app.state.client_addresses.of(request.scope)
    signed_in = await hashing(request, core_of(request).auth.login, email, password, address)
    return JSONResponse({**user_view(signed_in.user), **token_fields(signed_in)})


async def refresh(request: Request) -> JSONResponse:
    body = await json_body(request, RefreshBody)
    signed_in = await run(request, core_of(request).auth.refresh, body.refresh_token)
    return JSONResponse({"id": signed_in.user.id, **token_fields(signed_in)})


async def reset_password_request(request: Request) -> JSONResponse:
    email = required_param(dict(request.query_params), "email", "query")
    await run(request, core_of(request).auth.request_password_reset, email)
    return JSONResponse({"message": "Password reset email sent"})


async def reset_password(request: Request) -> JSONResponse:
    # The API document passes these as query parameters; a JSON body keeps the new
    # password out of URLs (and so out of proxy logs), and is accepted too.
    if "token" in request.query_params:
        params = dict(request.query_params)
        body = ResetPasswordBody(
            token=params["token"], new_password=required_param(params, "new_password", "query")
        )
    else:
        body = structure(await json_object(request), ResetPasswordBody)
    await hashing(request, core_of(request).auth.reset_password, body.token, body.new_password)
    return JSONResponse({"message": "Password reset successfully"})


async def verify_email(request: Request) -> JSONResponse:
    if "token" in request.query_params:
        token = request.query_params["token"]
    else:
        token = structure(await json_object(request), TokenBody).token
    await run(request, core_of(request).auth.verify_email, token)
    return JSONResponse({"message": "Email verified successfully"})


routes = [
    Route("/auths/login", login, methods=["POST"]),
    Route("/auths/refresh", refresh, methods=["POST"]),
    Route("/auths/reset-password-request", reset_password_request, methods=["POST"]),
    Route("/auths/reset-password", reset_password, methods=["POST"]),
    Route("/auths/verify-email", verify_email, methods=["POST"]),
]
