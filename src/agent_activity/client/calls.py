"""The calls of the agents family (spec file 003), described once for both clients."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypedDict

from agent_activity.client._http import Call

# The collection's trailing slash is part of its path: the service answers /api/agents/.
AGENTS = "/api/agents/"


class RunFilters(TypedDict, total=False):
    """The list's query, as keyword arguments; see docs/runs.md for each one's meaning."""

    status: str | Sequence[str]
    started_on_from: datetime | str
    started_on_to: datetime | str
    completed_on_from: datetime | str
    completed_on_to: datetime | str
    created_on_from: datetime | str
    created_on_to: datetime | str
    has_started: bool
    has_completed: bool
    sort: str
    fields: Sequence[str]


def _time(name: str, value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        raise ValueError(f"{name} needs a timezone-aware datetime (the service requires one)")
    return value.isoformat()


def _param(name: str, value: Any) -> tuple[str, str]:
    if name == "fields":
        return "fields[agent-runs]", ",".join(value)
    if name == "status":
        return name, value if isinstance(value, str) else ",".join(value)
    if isinstance(value, bool):
        return name, str(value).lower()
    if name.endswith(("_from", "_to")):
        return name, _time(name, value)
    return name, str(value)


def list_runs(
    agent_uid: str,
    filters: Mapping[str, Any],
    *,
    page: int = 1,
    per_page: int = 10,
    group_by: str = "none",
) -> Call:
    params = dict(_param(name, value) for name, value in filters.items() if value is not None)
    params |= {"page": str(page), "per_page": str(per_page)}
    if group_by != "none":
        params["group_by"] = group_by
    return Call("GET", f"{AGENTS}{agent_uid}/activities", params=params)


def create_agent(
    name: str,
    *,
    description: str,
    approach: str,
    workspace_id: str | None,
    config: Mapping[str, Any] | None,
) -> Call:
    body: dict[str, Any] = {"name": name, "description": description, "approach": approach}
    body |= {"workspace_id": workspace_id, "config": dict(config or {})}
    return Call("POST", AGENTS, json=body)


def get_agent(agent_uid: str) -> Call:
    return Call("GET", f"{AGENTS}{agent_uid}")


def add_version(agent_uid: str, config: Mapping[str, Any]) -> Call:
    return Call("POST", f"{AGENTS}{agent_uid}/versions", json={"config": dict(config)})


def create_run(agent_uid: str, body: Mapping[str, Any], idempotency_key: str | None) -> Call:
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    fields = {name: value for name, value in body.items() if value is not None}
    return Call("POST", f"{AGENTS}{agent_uid}/runs", json=fields, headers=headers)


def get_run(agent_uid: str, run_id: str) -> Call:
    return Call("GET", f"{AGENTS}{agent_uid}/runs/{run_id}")


def update_run(
    agent_uid: str,
    run_id: str,
    *,
    status: str | None = None,
    token_usage: Mapping[str, int] | None = None,
    error: str | None = None,
) -> Call:
    body: dict[str, Any] = {"status": status, "error": error}
    body = {name: value for name, value in body.items() if value is not None}
    if token_usage:
        body["token_usage"] = dict(token_usage)
    return Call("PATCH", f"{AGENTS}{agent_uid}/runs/{run_id}", json=body)


def new_idempotency_key() -> str:
    return f"client-{uuid.uuid4()}"


# How a tracked block ended -> the status the run moves to.
MAX_ERROR_LENGTH = 5000


def outcome(exc: BaseException | None) -> tuple[str, str | None]:
    """Completed without an exception, failed on an Exception, cancelled on an interruption
    (KeyboardInterrupt, task cancellation)."""
    if exc is None:
        return "completed", None
    message = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
    return ("failed" if isinstance(exc, Exception) else "cancelled"), message
