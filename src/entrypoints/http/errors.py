"""The one place where errors become status codes, and every error body is {"detail": ...}."""

import logging
import math
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ExceptionHandler

from chatcore.shared.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    RepositoryFetchFailed,
    StorageFault,
    TooLarge,
    TooManyRequests,
    Unauthenticated,
)
from entrypoints.http.converter import OutResponse
from entrypoints.http.validation import RequestValidationError, ValidationErrorBody
from entrypoints.http.views import ErrorBody

logger = logging.getLogger("chatcore.http")

# The API document answers 400 for a taken email: Conflict is a 400 here, not a 409.
STATUS_OF: dict[type[DomainError], int] = {
    NotFound: 404,
    Forbidden: 403,
    Conflict: 400,
    InvalidInput: 400,
    Unauthenticated: 401,
    # Ingestion runs in the background and records these on the artifact; should one reach
    # a request, the repository the caller named is what failed.
    RepositoryFetchFailed: 400,
    TooManyRequests: 429,
    TooLarge: 413,
    StorageFault: 500,
}

CHALLENGE = {"WWW-Authenticate": "Bearer"}


def error_response(status: int, detail: str, headers: Mapping[str, str] | None = None) -> Response:
    if status == 401:
        headers = {**CHALLENGE, **(headers or {})}
    return OutResponse(ErrorBody(detail), status, headers)


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if isinstance(exc, StorageFault):
        logger.error("%s %s: %s", request.method, request.url.path, exc.message)
    status = next(code for kind, code in STATUS_OF.items() if isinstance(exc, kind))
    headers = None
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(max(1, math.ceil(exc.retry_after)))}
    return error_response(status, exc.message, headers)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = exc.headers
    if exc.status_code == 405:
        # Starlette names the methods of the one route it tried; a path served by several
        # routes (GET, PUT and DELETE /users/{user_id}) allows all of theirs.
        headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
    return error_response(exc.status_code, str(exc.detail), headers)


def allowed_methods(request: Request) -> list[str]:
    """The methods of every route with the path template of the first route that matches."""
    path = request.scope["path"]
    routes = [route for route in request.app.routes if isinstance(route, Route)]
    template = next((r.path for r in routes if r.path_regex.fullmatch(path)), None)
    return sorted({m for r in routes if r.path == template for m in r.methods or ()})


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return OutResponse(ValidationErrorBody(exc.detail, exc.errors), 422)


async def server_error(request: Request, exc: Exception) -> Response:
    # The traceback goes to the log (uvicorn logs it too); the client learns nothing of it.
    return error_response(500, "Internal Server Error")


HANDLERS: dict[int | type[Exception], ExceptionHandler] = {
    DomainError: domain_error,
    HTTPException: http_error,
    RequestValidationError: validation_error,
    Exception: server_error,
}
