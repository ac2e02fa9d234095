"""A cheap value that changes whenever anything a ticket's page shows changes.

The ticket page's event stream asks it once a second (web/live.py), so it is a few indexed
lookups in one query: the board's own marker (sessions, intervals, checkpoints, tickets: every
MCP tool call moves a session's last activity), the newest activity record attributed to the
ticket (the attribution index), and the ticket's all-time usage counters (one row by its unique
key), which also move when a record with an older timestamp is counted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import ActivityRecord, Ticket, TicketUsage
from agent_activity.domain.tenancy.directory import board_marker


async def ticket_marker(
    session: AsyncSession, ticket: Ticket, now: datetime, stale_after_s: float
) -> tuple[object, ...]:
    R, U = ActivityRecord, TicketUsage
    usage = (
        U.org_id == ticket.org_id,
        U.ticket_id == ticket.id,
        U.dimension == "ticket",
        U.dimension_key == "",
        U.span == "all",
    )
    query = select(
        # Newest first with a limit: one seek at the end of the ticket's index range.
        select(R.timestamp)
        .where(R.org_id == ticket.org_id, R.ticket_id == str(ticket.id))
        .order_by(R.timestamp.desc())
        .limit(1)
        .scalar_subquery(),
        select(func.max(U.tool_calls + U.model_requests + U.intervals))
        .where(*usage)
        .scalar_subquery(),
        select(func.max(U.agent_time_us)).where(*usage).scalar_subquery(),
        select(func.max(U.cost_usd)).where(*usage).scalar_subquery(),
    )
    own = tuple((await session.execute(query)).one())
    board = await board_marker(session, ticket.project_id, now, stale_after_s)
    return own + board
