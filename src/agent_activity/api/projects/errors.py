"""Errors of the project agent-activity family (spec files 000-002).

Shape: ``{error, code, fieldErrors, issues: [{path, message}], retryAfter, reconnect}``.
``error`` and ``code`` are always present; ``fieldErrors`` and ``issues`` on validation errors
(400); ``retryAfter`` on 429; ``reconnect`` (always false here: there is no linked GitHub
account to re-link) on 401.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from starlette.responses import Response

from agent_activity.domain.errors import (
    DomainError,
    FieldIssue,
    Invalid,
    RateLimited,
    Unauthenticated,
)

CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND"}
CODES |= {409: "CONFLICT", 429: "RATE_LIMITED", 500: "INTERNAL_ERROR"}

# The request parts a path starts with in FastAPI's locations; Zod paths name the field only.
_LOCATIONS = {"body", "query", "path", "header"}


def issue_path(path: tuple[str | int, ...]) -> str:
    parts = list(path[1:] if path and path[0] in _LOCATIONS else path)
    return ".".join(str(p) for p in parts) or "body"


def path_of(issue: FieldIssue) -> str:
    # A JSON syntax error's location is a character offset, not a field: name the body.
    if issue.type == "json_invalid":
        return "body"
    return issue_path(issue.path)


def code_of(error: DomainError, status: int) -> str:
    """The body's ``code``: the status's own, but a conflict names which one it is."""
    return error.code if status not in CODES or status == 409 else CODES[status]


def body(error: DomainError, status: int) -> dict[str, Any]:
    content: dict[str, Any] = {"error": error.message, "code": code_of(error, status)}
    if isinstance(error, Invalid):
        issues = [{"path": path_of(i), "message": i.message} for i in error.issues]
        field_errors: dict[str, str] = {}
        for issue in issues:
            field_errors.setdefault(issue["path"], issue["message"])
        content["fieldErrors"] = field_errors
        content["issues"] = issues
        if issues and error.message == "Invalid request":
            content["error"] = f"Invalid request: {issues[0]['path']}: {issues[0]['message']}"
    if isinstance(error, RateLimited):
        content["retryAfter"] = error.retry_after_s
    if isinstance(error, Unauthenticated):
        content["reconnect"] = False
    return content


def render(error: DomainError, status: int) -> Response:
    return JSONResponse(body(error, status), status_code=status)
