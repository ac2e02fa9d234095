"""Errors of the activity-log family (spec file 004), exactly as the file shows.

``{error, message, details, timestamp, status_code}`` for 401, 403, 404, 409, 429 and 500;
validation problems are 422 ``{detail: [{loc, msg, type, input, ctx}]}``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.responses import JSONResponse
from starlette.responses import Response

from agent_activity.api.error_handling import jsonable_input
from agent_activity.domain.errors import (
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    Unauthenticated,
)

STATUS_OVERRIDES: dict[type[DomainError], int] = {Invalid: 422}

CODES = {401: "AUTHENTICATION_FAILED", 403: "FORBIDDEN", 404: "RESOURCE_NOT_FOUND"}
CODES |= {405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 429: "RATE_LIMITED"}
CODES |= {500: "INTERNAL_SERVER_ERROR"}

MESSAGES = {
    401: "Authentication required",
    403: "You don't have permission to perform this action",
    404: "The requested resource was not found",
    500: "An unexpected error occurred",
}


def timestamp() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def details_of(error: DomainError) -> dict[str, Any]:
    if isinstance(error, Forbidden):
        # File 004 names permissions "resource:action"; bare scopes are the activity log's.
        permission = error.required_permission
        if ":" not in permission:
            permission = f"activity:{permission}"
        return {"required_permission": permission}
    if isinstance(error, NotFound):
        return {"resource_type": error.resource_type, "resource_id": error.resource_id}
    if isinstance(error, RateLimited):
        return {"retry_after": error.retry_after_s}
    if isinstance(error, Unauthenticated):
        return {"reason": error.message}
    return {}


def code_of(error: DomainError, status: int) -> str:
    """The code a response names: ``error`` of the error body, VALIDATION_ERROR for a 422."""
    if isinstance(error, Invalid):
        return "VALIDATION_ERROR"
    return CODES.get(status, error.code)


def render(error: DomainError, status: int) -> Response:
    if isinstance(error, Invalid):
        detail = [
            {
                "loc": list(issue.path),
                "msg": issue.message,
                "type": issue.type,
                "input": jsonable_input(issue.input),
                "ctx": issue.ctx,
            }
            for issue in error.issues
        ] or [{"loc": [], "msg": error.message, "type": "value_error", "input": None, "ctx": {}}]
        return JSONResponse({"detail": detail}, status_code=422)
    content = {
        "error": code_of(error, status),
        "message": MESSAGES.get(status, error.message),
        "details": details_of(error),
        "timestamp": timestamp(),
        "status_code": status,
    }
    return JSONResponse(content, status_code=status)
