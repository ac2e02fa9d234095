"""A ticket's cost over time for the dashboard's chart, from the hour rows of its usage rollups
(never the log), so drawing it costs the same whatever the number of records behind it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import Ticket, TicketUsage

# The chart shows at most this many hours with any usage, the latest ones.
MAX_POINTS = 500


@dataclass(frozen=True)
class CostPoint:
    start: datetime
    cost_usd: float
    tokens: int
    model_requests: int
    tool_calls: int


@dataclass(frozen=True)
class CostSeries:
    points: list[CostPoint]  # oldest first, one per hour that counted anything
    earlier_cost_usd: float  # what the hours before the first point cost (when truncated)
    truncated: bool


async def ticket_cost_series(
    session: AsyncSession, ticket: Ticket, limit: int = MAX_POINTS
) -> CostSeries:
    """The hours of ``ticket`` that counted anything, with what each cost."""
    U = TicketUsage
    scope = (
        U.org_id == ticket.org_id,
        U.ticket_id == ticket.id,
        U.dimension == "ticket",
        U.dimension_key == "",
    )
    query = (
        select(
            U.bucket_start,
            U.cost_usd,
            U.input_tokens + U.output_tokens + U.cache_read_tokens + U.cache_creation_tokens,
            U.model_requests,
            U.tool_calls,
        )
        .where(*scope, U.span == "hour")
        .order_by(U.bucket_start.desc())
        .limit(limit + 1)
    )
    rows = (await session.execute(query)).all()
    truncated = len(rows) > limit
    points = [
        CostPoint(row[0], round(float(row[1] or 0), 6), int(row[2] or 0), int(row[3]), int(row[4]))
        for row in reversed(rows[:limit])
    ]
    earlier = 0.0
    if truncated:
        before = select(func.sum(U.cost_usd)).where(
            *scope, U.span == "hour", U.bucket_start < points[0].start
        )
        earlier = float(await session.scalar(before) or 0)
    return CostSeries(points, round(earlier, 6), truncated)
