"""Errors of the agent-runs family (spec file 003), in an envelope that mirrors its success one.

Success: ``{status: "success", status_code, data}``. Error::

    {"status": "error", "status_code": 404,
     "error": {"code": "NOT_FOUND", "message": "Agent not found", "details": {...}}}

``details`` holds ``issues: [{field, message}]`` for a 400, ``required_permission`` for a 403,
``resource_type`` and ``resource_id`` for a 404, ``retry_after`` for a 429.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from starlette.responses import Response

from agent_activity.domain.errors import (
    DomainError,
    FieldIssue,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
)

CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND"}
CODES |= {409: "CONFLICT", 429: "RATE_LIMITED", 500: "INTERNAL_ERROR"}


# Where FastAPI says an input came from; ``field`` names the input itself, like "per_page".
_LOCATIONS = {"body", "query", "path", "header"}


def issue_path(path: tuple[str | int, ...]) -> str:
    parts = list(path[1:] if path and path[0] in _LOCATIONS else path)
    return ".".join(str(p) for p in parts) or (str(path[0]) if path else "request")


def issue_message(issue: FieldIssue) -> str:
    if issue.type == "extra_forbidden":
        where = "query parameter" if issue.path[:1] == ("query",) else "field"
        return f"unknown {where}; see the API documentation for the accepted ones"
    return issue.message


def details_of(error: DomainError) -> dict[str, Any]:
    if isinstance(error, Invalid):
        return {
            "issues": [
                {"field": issue_path(i.path), "message": issue_message(i)} for i in error.issues
            ]
        }
    if isinstance(error, Forbidden):
        return {"required_permission": error.required_permission}
    if isinstance(error, NotFound):
        return {"resource_type": error.resource_type, "resource_id": error.resource_id}
    if isinstance(error, RateLimited):
        return {"retry_after": error.retry_after_s}
    return {}


def code_of(error: DomainError, status: int) -> str:
    return CODES.get(status, error.code)


def render(error: DomainError, status: int) -> Response:
    message = error.message
    if isinstance(error, Invalid) and error.issues and message == "Invalid request":
        first = error.issues[0]
        message = f"Invalid request: {issue_path(first.path)}: {issue_message(first)}"
    content = {
        "status": "error",
        "status_code": status,
        "error": {
            "code": code_of(error, status),
            "message": message,
            "details": details_of(error),
        },
    }
    return JSONResponse(content, status_code=status)
