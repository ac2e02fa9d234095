"""Progress checkpoints: what a ``report_progress`` call stores, checked before it is stored.

A checkpoint is written in the caller's transaction (``add_checkpoint``) or, on a live session,
by the group commit of domain/presence/progress.py; both take the row ``checkpoint_values`` makes.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.base import new_id
from agent_activity.db.models import AgentSession, Checkpoint, Ticket
from agent_activity.domain.errors import FieldIssue, Invalid
from agent_activity.domain.tickets.cards import TicketKey

STATUS_MAX = 64
DETAILS_MAX = 10_000


def checkpoint_values(
    agent: AgentSession,
    ticket: Ticket | TicketKey,
    *,
    status: object,
    progress_pct: object,
    details: object,
    now: datetime,
) -> dict[str, Any]:
    """A progress report's checkpoint row (column values), or Invalid naming what to fix."""
    issues: list[FieldIssue] = []
    if not isinstance(status, str) or not status.strip() or len(status) > STATUS_MAX:
        issues.append(FieldIssue(("status",), f"a non-empty string of at most {STATUS_MAX} chars"))
    pct_ok = isinstance(progress_pct, int | float) and not isinstance(progress_pct, bool)
    if not pct_ok or not math.isfinite(float(progress_pct)) or not 0 <= float(progress_pct) <= 100:  # type: ignore[arg-type]
        issues.append(FieldIssue(("progress_pct",), "a number from 0 to 100"))
    if not isinstance(details, str) or len(details) > DETAILS_MAX:
        issues.append(FieldIssue(("details",), f"a string of at most {DETAILS_MAX} characters"))
    if issues:
        summary = "; ".join(f"{i.path[0]}: {i.message}" for i in issues)
        raise Invalid(f"Invalid progress report: {summary}", issues)
    assert isinstance(status, str) and isinstance(details, str)
    return {
        "id": new_id(),
        "org_id": agent.org_id,
        "project_id": ticket.project_id,
        "session_id": agent.id,
        "ticket_id": ticket.id,
        "agent_role": agent.caller_role or "agent",
        "status": status.strip(),
        "progress_pct": float(progress_pct),  # type: ignore[arg-type]
        "details": details,
        "created_at": now,
    }


async def add_checkpoint(session: AsyncSession, values: dict[str, Any]) -> Checkpoint:
    """Store a checkpoint made by ``checkpoint_values`` in ``session``'s transaction."""
    checkpoint = Checkpoint(**values)
    session.add(checkpoint)
    await session.flush()
    return checkpoint
