"""Response shapes of this family: ``{status, status_code, data}`` around JSON:API-like resources.

A run is ``{id, type: "agent-runs", attributes}`` exactly as file 003 shows it; an agent is
``{id, type: "agents", attributes}`` with its versions inside.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from agent_activity.db.models import Agent, AgentRun, AgentVersion
from agent_activity.domain.runs.agents import AgentDetail
from agent_activity.domain.runs.listing import RunGroup, RunPage


def envelope(data: Any, status_code: int = 200) -> dict[str, Any]:
    return {"status": "success", "status_code": status_code, "data": data}


def iso(value: datetime | None) -> str | None:
    """UTC with a Z, as file 003 writes it; microseconds kept when present, so a value read
    back can be used as an exact filter bound."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _uid(value: object) -> str | None:
    return None if value is None else str(value)


def _token_usage(run: AgentRun) -> dict[str, int]:
    return {**(run.token_usage or {}), "total": run.total_tokens}


RUN_ATTRIBUTE_READERS: dict[str, Callable[[AgentRun], Any]] = {
    "agent_uid": lambda run: str(run.agent_id),
    "agent_version_uid": lambda run: _uid(run.agent_version_id),
    "scratchpad_uid": lambda run: _uid(run.scratchpad_uid),
    "workflow_id": lambda run: run.workflow_id,
    "approach": lambda run: run.approach,
    "status": lambda run: run.status,
    "sandbox": lambda run: run.sandbox,
    "trigger_type": lambda run: run.trigger_type,
    "started_on": lambda run: iso(run.started_on),
    "completed_on": lambda run: iso(run.completed_on),
    "created_on": lambda run: iso(run.created_on),
    "token_usage": _token_usage,
    "error": lambda run: run.error,
}


def run_resource(run: AgentRun, attributes: Iterable[str]) -> dict[str, Any]:
    return {
        "id": str(run.id),
        "type": "agent-runs",
        "attributes": {name: RUN_ATTRIBUTE_READERS[name](run) for name in attributes},
    }


def meta(page: RunPage) -> dict[str, int]:
    return {
        "page": page.page,
        "per_page": page.per_page,
        "total_pages": page.total_pages,
        "total_items": page.total_items,
    }


def _counts(page: RunPage) -> dict[str, Any]:
    return dict(meta(page))


def run_page(page: RunPage, attributes: tuple[str, ...]) -> dict[str, Any]:
    items = [run_resource(run, attributes) for run in page.items]
    return {"items": items, "_meta": meta(page)}


def run_groups(
    groups: list[RunGroup], attributes: tuple[str, ...], page: int, per_page: int
) -> dict[str, Any]:
    """group_by=trigger: each item is a group holding its own page of runs and its totals."""
    items = [
        {
            "id": group.trigger_type,
            "type": "agent-run-groups",
            "attributes": {"trigger_type": group.trigger_type} | _counts(group.page),
            "items": [run_resource(run, attributes) for run in group.page.items],
        }
        for group in groups
    ]
    total_items = sum(group.page.total_items for group in groups)
    total_pages = max((group.page.total_pages for group in groups), default=0)
    summary = {"page": page, "per_page": per_page, "total_pages": total_pages}
    summary |= {"total_items": total_items, "total_groups": len(groups)}
    return {"items": items, "_meta": summary}


def version_resource(version: AgentVersion) -> dict[str, Any]:
    return {
        "agent_version_uid": str(version.id),
        "version": version.version,
        "config": version.config,
        "created_at": iso(version.created_at),
    }


def agent_summary(agent: Agent) -> dict[str, Any]:
    """An agent as the list shows it: its attributes without the versions."""
    return {
        "id": str(agent.id),
        "type": "agents",
        "attributes": {
            "agent_uid": str(agent.id),
            "name": agent.name,
            "description": agent.description,
            "approach": agent.approach,
            "workspace_id": _uid(agent.workspace_id),
            "created_at": iso(agent.created_at),
        },
    }


def agent_resource(detail: AgentDetail) -> dict[str, Any]:
    resource = agent_summary(detail.agent)
    resource["attributes"]["versions"] = [version_resource(v) for v in detail.versions]
    return resource


def agent_list(agents: list[Agent]) -> dict[str, Any]:
    return {"items": [agent_summary(a) for a in agents], "_meta": {"total_items": len(agents)}}
