"""Errors of the dashboard's own JSON routes (``/ui/api/...``): ``{error, code}``.

Proxied calls keep the shape of the API family that answered them; the dashboard's scripts read
the human message from ``error`` (000-003 families) or ``message`` (file 004).
"""

from __future__ import annotations

from fastapi.responses import JSONResponse
from starlette.responses import Response

from agent_activity.domain.errors import DomainError, Forbidden, Invalid, RateLimited


def render(error: DomainError, status: int) -> Response:
    body: dict[str, object] = {"error": error.message, "code": error.code}
    if isinstance(error, Forbidden):
        body["required_permission"] = error.required_permission
    if isinstance(error, Invalid) and error.issues:
        body["issues"] = [
            {"path": ".".join(str(p) for p in issue.path), "message": issue.message}
            for issue in error.issues
        ]
    if isinstance(error, RateLimited):
        body["retry_after"] = error.retry_after_s
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})
