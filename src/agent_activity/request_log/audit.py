"""The audit record of a write, stored in the write's own transaction.

A request that changes state must never be acknowledged without its activity record: written
behind, a crash between the answer and the next flush would lose it. So a successful write
adds its record to its own transaction just before the commit, with the status it is about to
answer and its duration so far, and tells the middleware not to log it again. Reads, and
writes that failed (they changed nothing), stay with the written-behind request log.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request

from agent_activity.domain.tenancy.principal import Principal
from agent_activity.request_log.middleware import TIMING, build_record, overrides

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def audit_record(request: Request, status: int) -> dict[str, Any] | None:
    """The record of this successful write, or None when there is nothing to store here: the
    request log is off for it, it is not a write, or the route stored its own record."""
    state: dict[str, Any] = request.scope.get("state") or {}
    timing = state.get(TIMING)
    principal = state.get("principal")
    if (
        timing is None  # not under the request log (off, or a path it does not log)
        or request.method not in WRITE_METHODS
        or not isinstance(principal, Principal)
        or state.get("activity_recorded")
    ):
        return None
    started_at, started = timing
    duration_ms = (time.perf_counter() - started) * 1000
    record = build_record(request.scope, principal, started_at, status, duration_ms)
    record.update(overrides(state.get("activity")))
    record["received_at"] = started_at
    state["activity_recorded"] = True
    return record


def success_status(request: Request, chosen: int | None) -> int:
    """The status a successful handler answers with: the one it set on its response, else its
    route's declared status, else 200."""
    if chosen is not None:
        return chosen
    route = request.scope.get("route")
    declared = getattr(route, "status_code", None)
    return declared if isinstance(declared, int) else 200
