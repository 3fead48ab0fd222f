"""The one place where errors become status codes, and every error body is {"detail": ...}."""

import logging
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ExceptionHandler

from chatcore.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    StorageFault,
    TooLarge,
    Unauthenticated,
)
from entrypoints.http.validation import RequestValidationError

logger = logging.getLogger("chatcore.http")

# The API document answers 400 for a taken email: Conflict is a 400 here, not a 409.
STATUS_OF: dict[type[DomainError], int] = {
    NotFound: 404,
    Forbidden: 403,
    Conflict: 400,
    InvalidInput: 400,
    Unauthenticated: 401,
    TooLarge: 413,
    StorageFault: 500,
}

CHALLENGE = {"WWW-Authenticate": "Bearer"}


def error_response(status: int, detail: str, headers: Mapping[str, str] | None = None) -> Response:
    if status == 401:
        headers = {**CHALLENGE, **(headers or {})}
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if isinstance(exc, StorageFault):
        logger.error("%s %s: %s", request.method, request.url.path, exc.message)
    status = next(code for kind, code in STATUS_OF.items() if isinstance(exc, kind))
    return error_response(status, exc.message)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, str(exc.detail), exc.headers)


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(
        {"detail": exc.detail, "errors": [error.as_dict() for error in exc.errors]},
        status_code=422,
    )


async def server_error(request: Request, exc: Exception) -> Response:
    # The traceback goes to the log (uvicorn logs it too); the client learns nothing of it.
    return error_response(500, "Internal Server Error")


HANDLERS: dict[int | type[Exception], ExceptionHandler] = {
    DomainError: domain_error,
    HTTPException: http_error,
    RequestValidationError: validation_error,
    Exception: server_error,
}
