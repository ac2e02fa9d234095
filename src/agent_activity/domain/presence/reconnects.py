"""One agent, one session: a client that reconnects soon after continues its session.

Short-lived clients (MCP Inspector's ``--cli`` runs, an agent restarting its MCP connection)
open a new legacy session id on every connection. When a session key is new to us, a session
of the same token, client name, machine and project that was active within the stale threshold
takes the new key instead of a new session opening beside it on the board.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import AgentSession
from agent_activity.domain.tenancy.access import ProjectRef
from agent_activity.domain.tenancy.principal import Principal


async def continue_recent_session(
    session: AsyncSession,
    principal: Principal,
    project: ProjectRef,
    client_name: str | None,
    machine_id: str,
    new_key: str,
    now: datetime,
    within_s: float,
) -> AgentSession | None:
    """The caller's session active in the last ``within_s``, re-keyed to ``new_key``; else None.

    A client that names itself is required: nameless clients on one machine are not told apart.
    """
    if not client_name or within_s <= 0:
        return None
    found = await session.scalar(
        select(AgentSession)
        .where(
            AgentSession.org_id == principal.org_id,
            AgentSession.token_id == principal.token_id,
            AgentSession.project_id == project.id,
            AgentSession.client_name == client_name,
            AgentSession.machine_id == machine_id,
            AgentSession.ended_at.is_(None),
            AgentSession.last_activity_at >= now - timedelta(seconds=within_s),
        )
        .order_by(AgentSession.last_activity_at.desc())
        .limit(1)
        .with_for_update()
    )
    if found is not None:
        found.session_key = new_key
    return found
