"""Demo data agrees with itself: every run names a version of its own agent."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity import demo
from agent_activity.db.base import utcnow
from agent_activity.db.models import AgentRun, AgentVersion, Org, User
from tests.factories import Tenant


async def test_every_demo_run_carries_a_version_of_its_agent(
    db: AsyncSession, tenant: Tenant
) -> None:
    org = await db.get(Org, tenant.org_id)
    admin = await db.get(User, tenant.user_id)
    assert org is not None and admin is not None
    await demo.fill(db, org, admin, utcnow(), runs=60, records=10)
    await db.commit()
    rows = (
        await db.execute(
            select(AgentRun.agent_id, AgentVersion.agent_id).outerjoin(
                AgentVersion, AgentVersion.id == AgentRun.agent_version_id
            )
        )
    ).all()
    assert len(rows) == 60
    assert all(run_agent == version_agent for run_agent, version_agent in rows)
