"""Recording agent runs: create one (idempotently), move it through its lifecycle, add tokens.

Lifecycle: pending -> running -> completed | failed | cancelled | stopped, and a pending run may
also be cancelled before it starts. Moving to running stamps ``started_on``; moving to any final
status stamps ``completed_on``; each no earlier than the one before. A final run no longer
changes.

Every create and every change also writes one activity record (resource type ``agent_run``)
through ``ingest.store.write_activity_records`` in the caller's transaction, so the activity
log of file 004 sees runs exactly when they are committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.base import new_id
from agent_activity.db.models import TRIGGER_TYPES, Agent, AgentRun, AgentVersion
from agent_activity.domain.activity.store import write_activity_records
from agent_activity.domain.errors import Conflict, FieldIssue, Invalid, NotFound
from agent_activity.domain.runs.agents import latest_version
from agent_activity.domain.tenancy.access import get_agent
from agent_activity.domain.tenancy.principal import READ, WRITE, Principal

FINAL_STATUSES = ("completed", "failed", "cancelled", "stopped")
INITIAL_STATUSES = ("pending", "running")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "pending": ("running", "cancelled"),
    "running": FINAL_STATUSES,
}
# The total is computed from the kinds, so a caller may not send it as a kind of its own.
RESERVED_USAGE_KIND = "total"
RESOURCE_TYPE = "agent_run"


@dataclass(frozen=True)
class RunSpec:
    """What a caller asks for when it creates a run; unset fields take the agent's defaults."""

    trigger_type: str
    status: str = "pending"
    workflow_id: str | None = None
    approach: str | None = None
    agent_version_id: uuid.UUID | None = None
    scratchpad_uid: uuid.UUID | None = None
    sandbox: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunChange:
    """A PATCH: an optional status move, token counts to add, an optional error message."""

    status: str | None = None
    token_usage: dict[str, int] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class Recorded:
    run: AgentRun
    created: bool  # False when an Idempotency-Key replay returned the existing run


def check_token_usage(usage: Mapping[str, int]) -> None:
    issues = [
        FieldIssue(("body", "token_usage", kind), message)
        for kind, count in usage.items()
        for message in _usage_problems(kind, count)
    ]
    if issues:
        raise Invalid("Invalid token usage", issues)


def _usage_problems(kind: str, count: int) -> list[str]:
    problems = []
    if kind == RESERVED_USAGE_KIND:
        problems.append("'total' is computed from the other kinds and cannot be sent")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        problems.append("must be a whole number of tokens, 0 or more")
    return problems


async def create_run(
    session: AsyncSession,
    principal: Principal,
    agent_id: uuid.UUID,
    spec: RunSpec,
    *,
    now: datetime,
    idempotency_key: str | None = None,
    record_extra: Mapping[str, Any] | None = None,
) -> Recorded:
    """Create a run; with ``idempotency_key``, a retry returns the run the first call made."""
    agent = await get_agent(session, principal, agent_id, WRITE)
    if spec.trigger_type not in TRIGGER_TYPES:
        raise Invalid(
            "Invalid request", [_issue("trigger_type", f"must be one of {TRIGGER_TYPES}")]
        )
    if spec.status not in INITIAL_STATUSES:
        raise Invalid("Invalid request", [_issue("status", "a new run is pending or running")])
    version_id = await _version_for(session, agent, spec.agent_version_id)
    values = {
        "id": new_id(),
        "org_id": agent.org_id,
        "agent_id": agent.id,
        "agent_version_id": version_id,
        "scratchpad_uid": spec.scratchpad_uid,
        "workflow_id": spec.workflow_id or f"agent-{agent.approach}-{agent.id.hex[:8]}",
        "approach": spec.approach or agent.approach,
        "status": spec.status,
        "sandbox": spec.sandbox,
        "trigger_type": spec.trigger_type,
        "started_on": now if spec.status == "running" else None,
        "completed_on": None,
        "created_on": now,
        "updated_on": now,
        "idempotency_key": idempotency_key,
        "token_usage": {},
        "total_tokens": 0,
        "metadata": spec.metadata,
    }
    # INSERT .. ON CONFLICT DO NOTHING on the (agent_id, idempotency_key) key: two racing
    # retries cannot both insert, and neither fails; the loser reads the winner's run.
    table = AgentRun.__table__
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .values(values)
        .on_conflict_do_nothing(index_elements=["agent_id", "idempotency_key"])
        .returning(table.c.id)
    )
    inserted = (await session.execute(statement)).scalar_one_or_none()
    if inserted is None:
        existing = await session.scalar(
            select(AgentRun).where(
                AgentRun.agent_id == agent.id, AgentRun.idempotency_key == idempotency_key
            )
        )
        assert existing is not None  # the conflict that skipped the insert is this row
        _check_same_request(existing, values)
        return Recorded(existing, created=False)
    run = await session.get(AgentRun, inserted)
    assert run is not None
    await _record(session, principal, agent, run, "create", now, {}, record_extra)
    return Recorded(run, created=True)


def _check_same_request(existing: AgentRun, values: Mapping[str, Any]) -> None:
    compared = ("trigger_type", "workflow_id", "approach", "sandbox", "scratchpad_uid")
    differing = [name for name in compared if getattr(existing, name) != values[name]]
    if existing.agent_version_id != values["agent_version_id"]:
        differing.append("agent_version_uid")
    if differing:
        raise Conflict(
            "This Idempotency-Key was already used for a different run "
            f"(differs in: {', '.join(differing)}); use a new key for a new run"
        )


async def _version_for(
    session: AsyncSession, agent: Agent, version_id: uuid.UUID | None
) -> uuid.UUID | None:
    if version_id is None:
        latest = await latest_version(session, agent.id)
        return latest.id if latest else None
    version = await session.get(AgentVersion, version_id)
    if version is None or version.agent_id != agent.id:
        raise Invalid(
            "Invalid request", [_issue("agent_version_uid", "not a version of this agent")]
        )
    return version.id


async def get_run(
    session: AsyncSession, principal: Principal, agent_id: uuid.UUID, run_id: uuid.UUID
) -> AgentRun:
    agent = await get_agent(session, principal, agent_id, READ)
    return await _load_run(session, agent, run_id, lock=False)


async def _load_run(session: AsyncSession, agent: Agent, run_id: uuid.UUID, lock: bool) -> AgentRun:
    query = select(AgentRun).where(AgentRun.id == run_id, AgentRun.agent_id == agent.id)
    # The row lock serialises two moves of one run on PostgreSQL; SQLite serialises writers.
    run = await session.scalar(query.with_for_update() if lock else query)
    if run is None:
        raise NotFound(RESOURCE_TYPE, run_id)
    return run


async def update_run(
    session: AsyncSession,
    principal: Principal,
    agent_id: uuid.UUID,
    run_id: uuid.UUID,
    change: RunChange,
    *,
    now: datetime,
    record_extra: Mapping[str, Any] | None = None,
) -> AgentRun:
    """Move a run's status and/or add token counts; an illegal move is a Conflict."""
    if change.status is None and not change.token_usage and change.error is None:
        raise Invalid("Nothing to change: send status, token_usage or error")
    check_token_usage(change.token_usage)
    agent = await get_agent(session, principal, agent_id, WRITE)
    run = await _load_run(session, agent, run_id, lock=True)
    before = run.status
    if change.status is not None and change.status != run.status:
        _move(run, change.status, now)
    elif run.status in FINAL_STATUSES:
        raise Conflict(f"This run is {run.status}; a finished run can no longer change")
    if change.token_usage:
        usage = dict(run.token_usage or {})
        for kind, count in change.token_usage.items():
            usage[kind] = usage.get(kind, 0) + count
        run.token_usage = usage  # a new dict, so the JSON column is seen as changed
        run.total_tokens = sum(usage.values())
    if change.error is not None:
        run.error = change.error
    run.updated_on = now
    await session.flush()
    details = {"from_status": before, "token_usage_added": change.token_usage or None}
    await _record(session, principal, agent, run, "update", now, details, record_extra)
    return run


def _move(run: AgentRun, status: str, now: datetime) -> None:
    allowed = TRANSITIONS.get(run.status, ())
    if status not in allowed:
        hint = f"a {run.status} run can become {', '.join(allowed)}" if allowed else "it is final"
        raise Conflict(f"Cannot move this run from {run.status} to {status}: {hint}")
    run.status = status
    # Never earlier than the step before, even when the process that stamps this step has a
    # clock behind the one that stamped the last: the runs list relies on created_on <=
    # started_on <= completed_on (domain/runs/hints.py).
    if status == "running":
        run.started_on = max(now, run.created_on)
    if status in FINAL_STATUSES:
        run.completed_on = max(now, run.started_on or run.created_on)


async def _record(
    session: AsyncSession,
    principal: Principal,
    agent: Agent,
    run: AgentRun,
    action: str,
    now: datetime,
    details: Mapping[str, Any],
    extra: Mapping[str, Any] | None,
) -> None:
    added = details.get("token_usage_added") or {}
    record: dict[str, Any] = {
        "id": new_id(),
        "org_id": run.org_id,
        "timestamp": now,
        "workspace_id": str(agent.workspace_id) if agent.workspace_id else None,
        "user_id": str(principal.principal_id) if principal.is_user else None,
        "principal_type": principal.principal_type,
        "principal_id": str(principal.principal_id),
        "token_id": str(principal.token_id),
        "resource_type": RESOURCE_TYPE,
        "resource_id": str(run.id),
        "action": action,
        "success": True,
        "token_usage": added or None,
        "total_tokens": sum(added.values()),
        "record_metadata": {
            "agent_uid": str(agent.id),
            "status": run.status,
            "trigger_type": run.trigger_type,
            **{k: v for k, v in details.items() if v is not None},
        },
    }
    record.update(extra or {})
    await write_activity_records(session, [record])


def _issue(name: str, message: str) -> FieldIssue:
    return FieldIssue(("body", name), message)
