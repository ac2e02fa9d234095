"""Which MCP session and ticket each telemetry record belongs to, and the presence it earns.

A record of a joined session made while that session had a work interval open carries the
interval's ticket; the session's last activity moves on to its newest record, so an agent
that keeps working without MCP calls does not go stale. Records of a session never joined,
or made outside any interval, are stored as they are: attributed to the principal and the
telemetry session only.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import AgentSession, Project, WorkInterval
from agent_activity.domain.telemetry.joins import JoinKey, joined_sessions, write_joins
from agent_activity.domain.telemetry.records import TelemetryRecord


async def attribute(
    session: AsyncSession, org_id: uuid.UUID, items: list[TelemetryRecord], now: datetime
) -> None:
    """Fill ``ticket_id`` (and the MCP session in the metadata) on ``items`` in place, store the
    new session joins, and touch the joined MCP sessions."""
    by_session: dict[str, list[TelemetryRecord]] = defaultdict(list)
    for item in items:
        by_session[item.record.get("agent_session_id") or ""].append(item)
    keys = {key for item in items for key in item.join_keys} | set(by_session) - {""}
    found = await joined_sessions(session, org_id, keys)
    mcp_of: dict[str, uuid.UUID] = {}
    learned: list[JoinKey] = []
    for telemetry_id, members in by_session.items():
        mcp = found.get(telemetry_id) if telemetry_id else None
        if mcp is None:
            mcp = next((found[k] for m in members for k in m.join_keys if k in found), None)
            if mcp is not None and telemetry_id:
                learned.append(JoinKey(org_id, telemetry_id, mcp))
        if mcp is not None:
            mcp_of[telemetry_id] = mcp
    if learned:
        await write_joins(session, learned)
    if not mcp_of:
        return
    intervals = await intervals_of(session, set(mcp_of.values()))
    projects = await projects_of(session, set(mcp_of.values()))
    newest: dict[uuid.UUID, datetime] = {}
    for telemetry_id, mcp in mcp_of.items():
        for item in by_session[telemetry_id]:
            at: datetime = item.record["timestamp"]
            metadata = item.record["record_metadata"]
            metadata["mcp_session_id"] = str(mcp)
            if item.record.get("workspace_id") is None and mcp in projects:
                # Sent without a project: the joined session's own project is the record's.
                project_id, workspace_id = projects[mcp]
                item.record["workspace_id"] = str(workspace_id)
                metadata["project_id"] = str(project_id)
            ticket = ticket_at(intervals.get(mcp, []), at)
            if ticket is not None:
                item.record["ticket_id"] = str(ticket)
            newest[mcp] = max(newest.get(mcp, at), min(at, now))
    await touch_sessions(session, newest)


async def intervals_of(
    session: AsyncSession, mcp_sessions: set[uuid.UUID]
) -> dict[uuid.UUID, list[WorkInterval]]:
    rows = await session.scalars(
        select(WorkInterval).where(
            WorkInterval.session_id.in_(mcp_sessions), WorkInterval.ticket_id.is_not(None)
        )
    )
    found: dict[uuid.UUID, list[WorkInterval]] = defaultdict(list)
    for interval in rows:
        found[interval.session_id].append(interval)
    return found


async def projects_of(
    session: AsyncSession, mcp_sessions: set[uuid.UUID]
) -> dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID]]:
    """Each MCP session's (project, workspace)."""
    rows = await session.execute(
        select(AgentSession.id, Project.id, Project.workspace_id)
        .join(Project, Project.id == AgentSession.project_id)
        .where(AgentSession.id.in_(mcp_sessions))
    )
    return {agent: (project, workspace) for agent, project, workspace in rows}


def ticket_at(intervals: list[WorkInterval], at: datetime) -> uuid.UUID | None:
    """The ticket of the interval open at ``at``, if one was."""
    for interval in intervals:
        if interval.started_at <= at and (interval.ended_at is None or at < interval.ended_at):
            return interval.ticket_id
    return None


async def touch_sessions(session: AsyncSession, newest: dict[uuid.UUID, datetime]) -> None:
    """Move each session's last activity on to its newest telemetry; never back, and an ended
    session stays ended."""
    table = cast(Table, AgentSession.__table__)
    statement = (
        update(table)
        .where(
            table.c.id == bindparam("agent"),
            table.c.ended_at.is_(None),
            table.c.last_activity_at < bindparam("at"),
        )
        .values(last_activity_at=bindparam("at"))
    )
    await session.execute(
        statement, [{"agent": agent, "at": at} for agent, at in sorted(newest.items())]
    )
