"""Racing retries with one Idempotency-Key make one run, on both engines."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from agent_activity.db.models import ActivityRecord, AgentRun
from agent_activity.domain.runs import agents
from agent_activity.domain.runs import records as runs
from agent_activity.domain.tenancy.tokens import authenticate
from agent_activity.runtime import Runtime
from tests.conftest import FakeClock
from tests.factories import Tenant


async def test_concurrent_creates_with_one_key_make_one_run(
    runtime: Runtime, tenant: Tenant, clock: FakeClock
) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        principal = await authenticate(session, tenant.token, clock())
        detail = await agents.create_agent(session, principal, name="Racer", now=clock())
    spec = runs.RunSpec(trigger_type="webhook")

    async def attempt() -> runs.Recorded:
        async with runtime.sessionmaker() as session, session.begin():
            return await runs.create_run(
                session, principal, detail.agent.id, spec, now=clock(), idempotency_key="same"
            )

    results = await asyncio.gather(*(attempt() for _ in range(5)))
    assert len({result.run.id for result in results}) == 1
    assert sum(result.created for result in results) == 1
    async with runtime.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(AgentRun).where(AgentRun.agent_id == detail.agent.id)
        )
        records = await session.scalar(
            select(func.count())
            .select_from(ActivityRecord)
            .where(ActivityRecord.resource_type == "agent_run")
        )
    assert count == 1 and records == 1
