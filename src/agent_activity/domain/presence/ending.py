"""Ending an MCP session when its client says goodbye (``DELETE /mcp`` with its session id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import AgentSession
from agent_activity.domain.presence.sessions import close_open_intervals
from agent_activity.domain.tenancy.principal import Principal


async def end_session(
    session: AsyncSession, principal: Principal, session_key: str, now: datetime
) -> bool:
    """End the caller's session of that key and its open work; False when none was live."""
    agent = await session.scalar(
        select(AgentSession).where(
            AgentSession.session_key == session_key,
            AgentSession.org_id == principal.org_id,
            AgentSession.token_id == principal.token_id,
            AgentSession.ended_at.is_(None),
        )
    )
    if agent is None:
        return False
    # As stop_work ends them: conditionally, with their time added to the ticket rollups.
    await close_open_intervals(session, agent.id, now)
    agent.ended_at = now
    await session.flush()
    return True
