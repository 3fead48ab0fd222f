"""/auths: login, token refresh, email verification and password reset."""

from typing import Any

import attrs
from starlette.exceptions import HTTPException
from starlette.requests import Request

from entrypoints.http.converter import OutResponse
from entrypoints.http.offload import hashing, run
from entrypoints.http.openapi import ApiRoute, Operation
from entrypoints.http.request_limits import read_body
from entrypoints.http.security import core_of
from entrypoints.http.validation import (
    FieldError,
    RequestValidationError,
    TextQuery,
    is_json_media,
    json_body,
    json_object,
    structure,
)
from entrypoints.http.views import Done, RefreshedOut, SignedInOut

FORM_MEDIA = ("application/x-www-form-urlencoded", "multipart/form-data")
LOGIN_MEDIA = (*FORM_MEDIA, "application/json")
EMAIL = TextQuery("email", "the account's email", required=True)
TOKEN = TextQuery("token", "the token from the email (or send it in the JSON body)")
NEW_PASSWORD = TextQuery("new_password", "8–128 characters (or send it in the JSON body)")


@attrs.frozen
class LoginForm:
    username: str = attrs.field(metadata={"schema": {"description": "the account's email"}})
    password: str


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


async def login(request: Request) -> OutResponse:
    content_type = request.headers.get("content-type", "")
    if is_json_media(content_type):
        fields: dict[str, Any] = await json_object(request)
    else:
        body = await read_body(request)  # the form is parsed from these bytes, once they fit
        if body.strip() and _media(content_type) not in FORM_MEDIA:
            raise HTTPException(415, f"Content-Type must be one of {', '.join(LOGIN_MEDIA)}")
        try:
            async with request.form() as form:
                fields = {key: value for key, value in form.items() if isinstance(value, str)}
        except HTTPException as error:  # a malformed form body is a malformed request
            raise RequestValidationError(
                [FieldError(("body",), f"Invalid form: {error.detail}", "form_invalid")]
            ) from None
    credentials = structure(fields, LoginForm)
    address = request.app.state.client_addresses.of(request.scope)
    signed_in = await hashing(
        request, core_of(request).auth.login, credentials.username, credentials.password, address
    )
    return OutResponse(SignedInOut.of_sign_in(signed_in))


def _media(content_type: str) -> str:
    return content_type.partition(";")[0].strip().lower()


async def refresh(request: Request) -> OutResponse:
    body = await json_body(request, RefreshBody)
    signed_in = await run(request, core_of(request).auth.refresh, body.refresh_token)
    return OutResponse(RefreshedOut.of(signed_in))


async def reset_password_request(request: Request) -> OutResponse:
    email = EMAIL.require(request)
    await run(request, core_of(request).auth.request_password_reset, email)
    return OutResponse(Done("Password reset email sent"))


async def reset_password(request: Request) -> OutResponse:
    # The API document passes these as query parameters; a JSON body keeps the new
    # password out of URLs (and so out of proxy logs), and is accepted too.
    body = structure(await _query_or_body(request, ("token", "new_password")), ResetPasswordBody)
    await hashing(request, core_of(request).auth.reset_password, body.token, body.new_password)
    return OutResponse(Done("Password reset successfully"))


async def verify_email(request: Request) -> OutResponse:
    token = structure(await _query_or_body(request, ("token",)), TokenBody).token
    await run(request, core_of(request).auth.verify_email, token)
    return OutResponse(Done("Email verified successfully"))


async def undo_email_change(request: Request) -> OutResponse:
    token = structure(await _query_or_body(request, ("token",)), TokenBody).token
    await run(request, core_of(request).auth.undo_email_change, token)
    return OutResponse(Done("Email change undone"))


async def _query_or_body(request: Request, names: tuple[str, ...]) -> dict[str, Any]:
    """`names` from the query string; what it lacks, from the JSON body."""
    query = {name: request.query_params[name] for name in names if name in request.query_params}
    if len(query) == len(names):
        return query
    return {**await json_object(request), **query}


routes = [
    ApiRoute("POST", "/auths/login", login, Operation(
        "Sign in with email and password", SignedInOut, auth="none", errors=(401, 403),
        body=LoginForm,
        body_media=LOGIN_MEDIA,
        description="A correct password on an unverified account answers 403 and re-sends "
        "the verification email, at most once per 10 minutes per account; the `detail` says "
        "whether it was sent. Links sent earlier keep working.",
    )),
    ApiRoute("POST", "/auths/refresh", refresh, Operation(
        "Trade a refresh token for new tokens", RefreshedOut, auth="none", errors=(401,),
        body=RefreshBody,
        description="Refresh tokens rotate: presenting a spent one again signs the user out "
        "everywhere.",
    )),
    ApiRoute("POST", "/auths/reset-password-request", reset_password_request, Operation(
        "Email a password reset link", Done, auth="none", errors=(400, 404), query=[EMAIL],
        description="The email is queued and sent in the background, so the answer does not"
        " wait on the mail server. Limited per client address and per target email (429).",
    )),
    ApiRoute("POST", "/auths/reset-password", reset_password, Operation(
        "Set a new password with a reset token", Done, auth="none", errors=(400,),
        query=[TOKEN, NEW_PASSWORD], body=ResetPasswordBody, body_required=False,
        description="The token and new password come as query parameters or as a JSON body.",
    )),
    ApiRoute("POST", "/auths/verify-email", verify_email, Operation(
        "Verify an email address with its token", Done, auth="none", errors=(400,),
        query=[TOKEN], body=TokenBody, body_required=False,
        description="The token comes as a query parameter or as a JSON body. A link works "
        "until it is used, expires (24 hours), or the address it proves is no longer the "
        "account's email or pending email. A link for a pending address makes it the "
        "account's email: every earlier token stops working and the old address gets a "
        "notice with an undo link.",
    )),
    ApiRoute("POST", "/auths/undo-email-change", undo_email_change, Operation(
        "Undo an email change with the link sent to the old address", Done, auth="none",
        errors=(400,), query=[TOKEN], body=TokenBody, body_required=False,
        description="The token comes as a query parameter or as a JSON body; it works once, "
        "for 7 days, even after later password resets. The account gets its old address "
        "back (verified), and every token and link of the account stops working. 400 when "
        "the token is invalid, used or expired, or another account has taken the address.",
    )),
]  # fmt: skip
