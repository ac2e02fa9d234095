"""The request log: every authenticated request to the APIs becomes one activity record.

A pure ASGI middleware on the outer app (no BaseHTTPMiddleware, which would copy every response
through a task): it times the request, notes the status and, for errors, the code the family's
error handler left in the request state (api/error_handling.py), then hands one record to the
background writer. Requests that never
authenticated belong to no org and are not logged (the server's own log has them). MCP traffic
is left to the MCP layer, which writes one record per tool call.

Routes can shape their record: ``request.state.activity = {column: value}`` overrides what is
inferred from the route, and ``request.state.activity_recorded = True`` means the route already
wrote its record durably, so none is written here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent_activity.api.error_handling import ERROR_CODE
from agent_activity.domain.activity.store import DEFAULTS
from agent_activity.domain.tenancy.principal import Principal
from agent_activity.request_log.writer import RequestLogWriter

logger = logging.getLogger("agent_activity.request_log")

LOGGED_PREFIXES = ("/api/", "/v1/")
ACTIONS = {"GET": "read", "HEAD": "read", "POST": "create", "PUT": "update", "PATCH": "update"}
ACTIONS["DELETE"] = "delete"
# Where the request's start is kept for a write that stores its own record (request_log/audit.py).
TIMING = "request_log_timing"
# An ASGI scope key only the dashboard's in-process proxy sets, on its own reads: no header a
# client sends can set it, so no agent can hide its requests behind it.
DASHBOARD_READ = "agent_activity.dashboard_read"


class RequestLogMiddleware:
    def __init__(
        self, app: ASGIApp, writer: RequestLogWriter, clock: Callable[[], datetime], enabled: bool
    ) -> None:
        self.app = app
        self.writer = writer
        self.clock = clock
        self.enabled = enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not self.enabled
            or scope["type"] != "http"
            or not scope["path"].startswith(LOGGED_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        started_at = self.clock()
        started = time.perf_counter()
        state: dict[str, Any] = scope.setdefault("state", {})
        state[TIMING] = (started_at, started)
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            principal = state.get("principal")
            if isinstance(principal, Principal) and not state.get("activity_recorded"):
                duration_ms = (time.perf_counter() - started) * 1000
                record = build_record(scope, principal, started_at, status, duration_ms)
                if status >= 400:
                    record["error_code"] = error_code_of(state, status)
                record.update(overrides(state.get("activity")))
                if scope.get(DASHBOARD_READ) is True:
                    record["via_dashboard"] = True
                    record["record_metadata"] = {
                        **(record["record_metadata"] or {}),
                        "via": "dashboard",
                    }
                record["received_at"] = self.clock()
                self.writer.submit(record)


def build_record(
    scope: Scope, principal: Principal, started_at: datetime, status: int, duration_ms: float
) -> dict[str, Any]:
    method = str(scope["method"])
    params: dict[str, Any] = scope.get("path_params") or {}
    resource_type, resource_id = resource_of(route_template(scope), params)
    workspace = params.get("workspace_id")
    return {
        "org_id": principal.org_id,
        "timestamp": started_at,
        "trace_id": trace_id_of(scope),
        "user_id": str(principal.principal_id) if principal.is_user else None,
        "workspace_id": str(workspace)[:64] if workspace else None,
        "principal_type": principal.principal_type,
        "principal_id": str(principal.principal_id),
        "token_id": str(principal.token_id),
        "token_type": "api_token",
        "method": method[:16],
        "path": str(scope["path"])[:1000],
        "resource_type": resource_type,
        "resource_id": resource_id,
        "action": ACTIONS.get(method, method.lower()[:64]),
        "status_code": status,
        "success": status < 400,
        "duration_ms": round(duration_ms, 3),
        "record_metadata": {"source": "request_log"},
    }


def route_template(scope: Scope) -> str | None:
    """The matched route's path template, with the prefix of the app it is mounted in."""
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    if not isinstance(template, str):
        return None
    return str(scope.get("root_path", "")) + template


def resource_of(template: str | None, params: dict[str, Any]) -> tuple[str | None, str | None]:
    """The innermost resource the route names by id (``/agents/{agent_uid}/runs/{run_id}`` ->
    ("run", id)), else the last collection it names (``/api/agents`` -> ("agent", None))."""
    if not template:
        return None, None
    segments = [s for s in template.split("/") if s]
    for index in range(len(segments) - 1, -1, -1):
        segment = segments[index]
        if segment.startswith("{") and segment.endswith("}"):
            name = segment[1:-1].split(":")[0]
            noun = name.removesuffix("_uid").removesuffix("_id")
            if noun == name and index > 0:  # a bare {id}: named by the collection before it
                noun = singular(segments[index - 1])
            value = params.get(name)
            return noun[:64], (str(value)[:128] if value is not None else None)
    return (singular(segments[-1])[:64], None) if segments else (None, None)


def singular(noun: str) -> str:
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun


def trace_id_of(scope: Scope) -> str | None:
    """The W3C trace id of a ``traceparent`` header, so records join the caller's traces."""
    for key, value in scope.get("headers", []):
        if key == b"traceparent":
            parts = bytes(value).decode("latin-1").split("-")
            if len(parts) >= 2 and len(parts[1]) == 32:
                return str(parts[1])
    return None


def error_code_of(state: dict[str, Any], status: int) -> str:
    """The code the family's error handler answered with; a response no handler made (a
    route's own error response) is named by its status."""
    code = state.get(ERROR_CODE)
    return code[:64] if isinstance(code, str) and code else f"HTTP_{status}"


def overrides(activity: object) -> dict[str, Any]:
    """The route's own description of its record, limited to real columns."""
    if not isinstance(activity, dict):
        return {}
    unknown = [key for key in activity if key not in DEFAULTS]
    if unknown:
        logger.warning("request.state.activity has unknown keys: %s", ", ".join(unknown))
    return {key: value for key, value in activity.items() if key in DEFAULTS}
