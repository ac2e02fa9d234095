"""Demo presence: per project an active session, a stale one and ended ones with history."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.base import new_id
from agent_activity.db.models import (
    AgentSession,
    Checkpoint,
    WorkInterval,
)
from agent_activity.demo.world import (
    ORIGINS,
    ROLES,
    DemoWorld,
)


def interval(
    agent: AgentSession, ticket_id: uuid.UUID, start: datetime, end: datetime | None
) -> WorkInterval:
    """A work interval of ``agent``'s session; open while ``end`` is None."""
    assert agent.project_id is not None
    return WorkInterval(
        org_id=agent.org_id,
        project_id=agent.project_id,
        session_id=agent.id,
        ticket_id=ticket_id,
        agent_role=agent.caller_role,
        origin=agent.caller_origin,
        started_at=start,
        ended_at=end,
        duration_seconds=None if end is None else int((end - start).total_seconds()),
    )


async def add_presence(
    session: AsyncSession, world: DemoWorld, now: datetime, rng: random.Random
) -> None:
    """Per project: an active session at work, a stale one, and ended ones with history."""
    for project in world.projects:
        tickets = world.tickets[project.id]
        for state, silent_s in (("active", 5), ("stale", 95), ("ended", 3600), ("ended", 7200)):
            user = rng.choice(world.users)
            origin = rng.choice(ORIGINS)
            role = rng.choice(ROLES)
            connected = now - timedelta(seconds=silent_s + rng.randint(600, 5400))
            last = now - timedelta(seconds=silent_s)
            agent_session = AgentSession(
                session_key=f"demo-{new_id().hex}",
                org_id=world.org.id,
                project_id=project.id,
                user_id=str(user.id),
                machine_id=f"{user.email.split('@')[0]}-laptop",
                caller_role=role,
                caller_origin=origin,
                client_name=origin,
                client_version="1.0",
                protocol=rng.choice(["sessionless", "legacy"]),
                connected_at=connected,
                last_activity_at=last,
                ended_at=last if state == "ended" else None,
            )
            session.add(agent_session)
            await session.flush()
            cursor = connected
            for _ in range(rng.randint(2, 4)):
                ticket = rng.choice(tickets)
                start = cursor + timedelta(seconds=rng.randint(30, 300))
                end = start + timedelta(seconds=rng.randint(120, 900))
                if end >= last:
                    break
                session.add(interval(agent_session, ticket.id, start, end))
                cursor = end
            ticket = rng.choice(tickets)
            if state != "ended":
                start = max(cursor, last - timedelta(minutes=rng.randint(5, 40)))
                session.add(interval(agent_session, ticket.id, start, None))
            for step, pct in enumerate((10, 35, 60, 85)):
                session.add(
                    Checkpoint(
                        org_id=world.org.id,
                        project_id=project.id,
                        session_id=agent_session.id,
                        ticket_id=ticket.id,
                        agent_role=role,
                        status=["planning", "implementing", "testing", "reviewing"][step],
                        progress_pct=float(pct),
                        details=f"Step {step + 1} on #{ticket.number}",
                        created_at=last - timedelta(minutes=(4 - step) * 7),
                    )
                )
    await session.flush()
