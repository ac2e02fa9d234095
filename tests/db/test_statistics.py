"""SQLite's planner statistics: filled when the service starts, and why they are kept."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, text

from agent_activity.db.models import Agent, AgentRun
from agent_activity.runtime import Runtime
from tests.factories import Tenant

BASE = datetime(2026, 11, 1, tzinfo=UTC)
# The runs list's page query for "has_started=false, sort=+completed_on", with the status
# condition the lifecycle implies (domain/runs/hints.py).
UNSTARTED_BY_COMPLETION = (
    "SELECT id FROM agent_runs WHERE agent_id = :agent AND started_on IS NULL "
    "AND status IN ('cancelled', 'pending') "
    "ORDER BY completed_on ASC NULLS LAST, id ASC LIMIT 10"
)


async def stat_rows(runtime: Runtime) -> int | None:
    """Rows in sqlite_stat1, or None while ANALYZE has not run (it creates the table)."""
    async with runtime.engine.connect() as connection:
        exists = await connection.scalar(
            text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        )
        if not exists:
            return None
        return int(await connection.scalar(text("SELECT count(*) FROM sqlite_stat1")) or 0)


async def test_the_service_samples_statistics_when_it_starts(
    runtime: Runtime, tenant: Tenant, dialect: str
) -> None:
    if dialect != "sqlite":
        # PostgreSQL's autovacuum keeps its own statistics; nothing to do there.
        assert await runtime.statistics.refresh() is False
        return
    for _ in range(100):  # the refresh runs as a task beside the app's start
        if await stat_rows(runtime) is not None:
            break
        await asyncio.sleep(0.02)
    # Sampled, and every table is small, so none keeps statistics: measured while small, a
    # table would be planned as small after it grew.
    assert await stat_rows(runtime) == 0


# perf_contract: the runs list's plan for unstarted runs (its p99 target at 1,000,000 runs).
@pytest.mark.perf_contract
async def test_with_statistics_unstarted_runs_are_read_from_their_own_index(
    runtime: Runtime, tenant: Tenant, dialect: str
) -> None:
    if dialect != "sqlite":
        return
    async with runtime.sessionmaker() as session, session.begin():
        agent = Agent(org_id=tenant.org_id, name="Triage", approach="loop")
        session.add(agent)
        await session.flush()
        rows = [
            {
                "id": uuid.uuid4(),
                "org_id": tenant.org_id,
                "agent_id": agent.id,
                "workflow_id": "wf",
                "approach": "loop",
                "sandbox": False,
                "trigger_type": "schedule",
                "status": "pending" if index % 500 == 0 else "completed",
                "created_on": BASE + timedelta(minutes=index),
                "started_on": None if index % 500 == 0 else BASE + timedelta(minutes=index),
                "completed_on": None if index % 500 == 0 else BASE + timedelta(minutes=index + 1),
            }
            for index in range(12_000)
        ]
        await session.execute(insert(AgentRun), rows)
    assert await runtime.statistics.refresh()
    async with runtime.engine.connect() as connection:
        plan = await connection.execute(
            text("EXPLAIN QUERY PLAN " + UNSTARTED_BY_COMPLETION), {"agent": agent.id.hex}
        )
        details = " ".join(str(row[3]) for row in plan)
    assert "ix_agent_runs_agent_started" in details, details
