"""Agents and their versions: the things whose runs spec file 003 lists.

An agent belongs to an org and optionally to one workspace; a user's roles on either decide what
they may do with it. Every agent starts with version 1; a new configuration is a new version, and
a run records the version it ran (the latest one unless it names another).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import Agent, AgentVersion
from agent_activity.domain.errors import Conflict
from agent_activity.domain.tenancy.access import check_org_access, get_agent, get_workspace
from agent_activity.domain.tenancy.principal import READ, WRITE, Principal


@dataclass(frozen=True)
class AgentDetail:
    agent: Agent
    versions: list[AgentVersion]  # oldest first


async def create_agent(
    session: AsyncSession,
    principal: Principal,
    *,
    name: str,
    now: datetime,
    description: str = "",
    approach: str = "loop",
    workspace_id: uuid.UUID | None = None,
    config: dict[str, Any] | None = None,
) -> AgentDetail:
    """Create an agent with its first version; needs WRITE on the workspace (or the org)."""
    if workspace_id is not None:
        await get_workspace(session, principal, workspace_id, WRITE)
    else:
        check_org_access(principal, principal.org_id, WRITE)
    agent = Agent(
        org_id=principal.org_id,
        workspace_id=workspace_id,
        name=name,
        description=description,
        approach=approach,
        created_at=now,
    )
    session.add(agent)
    await session.flush()
    version = AgentVersion(agent_id=agent.id, version=1, config=config or {}, created_at=now)
    session.add(version)
    await session.flush()
    return AgentDetail(agent, [version])


async def versions_of(session: AsyncSession, agent_id: uuid.UUID) -> list[AgentVersion]:
    rows = await session.scalars(
        select(AgentVersion).where(AgentVersion.agent_id == agent_id).order_by(AgentVersion.version)
    )
    return list(rows)


async def get_agent_detail(
    session: AsyncSession, principal: Principal, agent_id: uuid.UUID
) -> AgentDetail:
    agent = await get_agent(session, principal, agent_id, READ)
    return AgentDetail(agent, await versions_of(session, agent.id))


async def add_version(
    session: AsyncSession,
    principal: Principal,
    agent_id: uuid.UUID,
    *,
    config: dict[str, Any],
    now: datetime,
) -> AgentVersion:
    """Append the next version. Two racing writers hit the (agent_id, version) unique key."""
    agent = await get_agent(session, principal, agent_id, WRITE)
    latest = await session.scalar(
        select(func.max(AgentVersion.version)).where(AgentVersion.agent_id == agent.id)
    )
    version = AgentVersion(
        agent_id=agent.id, version=(latest or 0) + 1, config=config, created_at=now
    )
    session.add(version)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict("Another version of this agent was added at the same time; retry") from exc
    return version


async def latest_version(session: AsyncSession, agent_id: uuid.UUID) -> AgentVersion | None:
    return await session.scalar(
        select(AgentVersion)
        .where(AgentVersion.agent_id == agent_id)
        .order_by(AgentVersion.version.desc())
        .limit(1)
    )
