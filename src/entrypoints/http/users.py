"""/users: registration, the caller's own account, and account management."""

import attrs
from starlette.requests import Request

from chatcore.accounts.accounts import AccountUpdate
from chatcore.accounts.model import Role, Tier, UserChanges
from entrypoints.http.converter import OutResponse
from entrypoints.http.offload import hashing, run
from entrypoints.http.openapi import ApiRoute, Operation
from entrypoints.http.security import core_of, current_user, optional_user
from entrypoints.http.validation import json_body
from entrypoints.http.views import Done, UpdatedUserOut, UserOut


@attrs.frozen
class RegisterBody:
    username: str
    email: str
    password: str
    role: Role = Role.USER
    tier: Tier = Tier.FREE


async def register(request: Request) -> OutResponse:
    actor = await optional_user(request)
    body = await json_body(request, RegisterBody)
    user = await hashing(
        request,
        core_of(request).auth.register,
        body.username,
        body.email,
        body.password,
        body.role,
        body.tier,
        actor=actor,
    )
    return OutResponse(UserOut.of(user))


async def me(request: Request) -> OutResponse:
    return OutResponse(UserOut.of(await current_user(request)))


async def get_user(request: Request) -> OutResponse:
    actor = await current_user(request)
    user = await run(request, core_of(request).accounts.get, actor, request.path_params["user_id"])
    return OutResponse(UserOut.of(user))


async def update_user(request: Request) -> OutResponse:
    actor = await current_user(request)
    changes = await json_body(request, UserChanges)
    update = await hashing(
        request,
        core_of(request).accounts.update,
        actor,
        request.path_params["user_id"],
        changes,
        request.app.state.client_addresses.of(request.scope),
    )
    return _updated(update)


async def update_user_by_email(request: Request) -> OutResponse:
    actor = await current_user(request)
    changes = await json_body(request, UserChanges)
    update = await hashing(
        request,
        core_of(request).accounts.update_by_email,
        actor,
        request.path_params["email"],
        changes,
        request.app.state.client_addresses.of(request.scope),
    )
    return _updated(update)


def _updated(update: AccountUpdate) -> OutResponse:
    return OutResponse(UpdatedUserOut.of_update(update))


async def delete_user(request: Request) -> OutResponse:
    actor = await current_user(request)
    await run(request, core_of(request).accounts.delete, actor, request.path_params["user_id"])
    return OutResponse(Done("User deleted successfully"))


CHANGES = (
    "Own account: `username`, `email`, `password`; changing the email or the password "
    "needs `current_password` (403 when missing or wrong, counted like a failed login; "
    "429 with `Retry-After` while such failures throttle the account). Admins also: "
    "`role`, `tier`, `active`, `verified`. An empty update answers 400.\n\n"
    "A new email of one's own is pending (`pending_email`) until the link sent to it is "
    "used; then it replaces `email`, every earlier token of the account stops working, and "
    "the old address gets a notice with a link that undoes the change "
    "(`POST /auths/undo-email-change`). An admin's change of someone else's email applies "
    "at once (unverified, unless `verified` is set too) and the old address is told.\n\n"
    "A password change ends every earlier token and link of the account; changing one's "
    "own password answers with a fresh `access_token` and `refresh_token` beside the user."
)

routes = [
    ApiRoute("POST", "/users/", register, Operation(
        "Register a user", UserOut, body=RegisterBody, auth="optional", errors=(400, 403),
        description="Sends the verification email. Another role or tier needs an admin's "
        "token.",
    )),
    ApiRoute("GET", "/users/me", me, Operation("The signed-in user", UserOut)),
    ApiRoute("PUT", "/users/email/{email}", update_user_by_email, Operation(
        "Update a user found by email", UpdatedUserOut, body=UserChanges,
        errors=(400, 403, 404, 429),
        description=CHANGES,
    )),
    ApiRoute("GET", "/users/{user_id}", get_user, Operation(
        "A user (admins, or one's own account)", UserOut, errors=(400, 403, 404),
    )),
    ApiRoute("PUT", "/users/{user_id}", update_user, Operation(
        "Update a user", UpdatedUserOut, body=UserChanges, errors=(400, 403, 404, 429),
        description=CHANGES,
    )),
    ApiRoute("DELETE", "/users/{user_id}", delete_user, Operation(
        "Delete a user (soft), with their sessions", Done, errors=(400, 403, 404),
    )),
]  # fmt: skip
