"""Run counts: kept by the database's triggers whatever writes the runs, and adding up to what a
count of the runs gives for whole days, edge days, both, and the fallbacks."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import NOT_YET, AgentRun, AgentRunCount
from agent_activity.domain.runs import agents
from agent_activity.domain.runs.counts import (
    count_directly,
    count_runs,
    count_runs_by_trigger,
    day_range,
)
from agent_activity.domain.runs.filters import RunFilter
from agent_activity.domain.tenancy.tokens import authenticate
from agent_activity.runtime import Runtime
from tests.conftest import FakeClock
from tests.factories import Tenant

DAY0 = datetime(2026, 11, 20, tzinfo=UTC)
LAST = time(23, 59, 59, 999999)


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return DAY0 + timedelta(days=day, hours=hour, minutes=minute)


def run(agent_id: uuid.UUID, org_id: uuid.UUID, index: int) -> AgentRun:
    """Runs spread over ten days: created every 7 hours, started 30 minutes later unless
    pending, finished 20 hours after that (crossing midnight) when in a final status."""
    status = ("pending", "running", "completed", "failed", "cancelled", "completed")[index % 6]
    created = DAY0 + timedelta(hours=7 * index % 240, minutes=index)
    started = None if status == "pending" else created + timedelta(minutes=30)
    finished = status not in ("pending", "running")
    return AgentRun(
        org_id=org_id,
        agent_id=agent_id,
        workflow_id="w",
        approach="a",
        status=status,
        trigger_type=("webhook", "schedule")[index % 2],
        created_on=created,
        started_on=started,
        completed_on=started + timedelta(hours=20) if finished and started else None,
    )


async def make_runs(runtime: Runtime, tenant: Tenant, clock: FakeClock) -> uuid.UUID:
    async with runtime.sessionmaker() as session, session.begin():
        principal = await authenticate(session, tenant.token, clock())
        detail = await agents.create_agent(session, principal, name="Counted", now=clock())
        session.add_all(run(detail.agent.id, principal.org_id, i) for i in range(60))
    return detail.agent.id


FILTERS = [
    RunFilter(),
    RunFilter(statuses=("completed", "failed")),
    RunFilter(has_started=False),
    RunFilter(has_started=True, has_completed=False),
    RunFilter(has_completed=True),
    # whole days only
    RunFilter(created_on_from=at(2), created_on_to=datetime.combine(date(2026, 11, 25), LAST, UTC)),
    RunFilter(started_on_from=at(3)),
    RunFilter(completed_on_to=datetime.combine(date(2026, 11, 24), LAST, UTC)),
    # a bound inside a day, on one side or both
    RunFilter(started_on_from=at(2, 13, 45)),
    RunFilter(completed_on_to=at(6, 9, 10)),
    RunFilter(created_on_from=at(1, 5), created_on_to=at(7, 22)),
    RunFilter(created_on_from=at(4, 2), created_on_to=at(4, 20)),  # inside one day
    RunFilter(created_on_from=at(4, 2), created_on_to=at(5, 1)),  # no whole day between
    RunFilter(started_on_from=at(6), started_on_to=at(3)),  # empty
    # whole days on one timestamp, an edge on another
    RunFilter(created_on_from=at(2), started_on_to=at(8, 3), statuses=("completed",)),
    # edges on two timestamps: counted directly
    RunFilter(started_on_from=at(1, 1), completed_on_to=at(8, 4)),
]


@pytest.mark.parametrize("where", FILTERS, ids=range(len(FILTERS)))
async def test_counts_equal_a_count_of_the_runs(
    runtime: Runtime, db: AsyncSession, tenant: Tenant, clock: FakeClock, where: RunFilter
) -> None:
    agent_id = await make_runs(runtime, tenant, clock)
    expected = await count_directly(db, agent_id, where, by_trigger=True)
    assert await count_runs_by_trigger(db, agent_id, where) == expected
    total = await count_directly(db, agent_id, where, by_trigger=False)
    assert await count_runs(db, agent_id, where) == sum(expected.values()) == sum(total.values())
    if where == RunFilter():
        assert expected == {"schedule": 30, "webhook": 30}


async def test_the_triggers_follow_updates_and_deletes(
    runtime: Runtime, db: AsyncSession, tenant: Tenant, clock: FakeClock
) -> None:
    agent_id = await make_runs(runtime, tenant, clock)
    async with runtime.sessionmaker() as session, session.begin():
        await session.execute(
            update(AgentRun)
            .where(AgentRun.agent_id == agent_id, AgentRun.status == "pending")
            .values(status="running", started_on=at(9, 12))
        )
        await session.execute(
            delete(AgentRun).where(AgentRun.agent_id == agent_id, AgentRun.status == "failed")
        )
    for where in FILTERS:
        expected = await count_directly(db, agent_id, where, by_trigger=True)
        assert await count_runs_by_trigger(db, agent_id, where) == expected
    rows = (await db.scalars(select(AgentRunCount).where(AgentRunCount.agent_id == agent_id))).all()
    assert sum(row.runs for row in rows) == 50
    assert not [row for row in rows if row.status == "pending" and row.runs]
    assert all(row.started_day != NOT_YET for row in rows if row.status == "running" and row.runs)


def test_day_range_splits_bounds_into_whole_days_and_edges() -> None:
    whole = day_range(at(2), datetime.combine(date(2026, 11, 24), LAST, UTC))
    assert (whole.first, whole.last, whole.partial) == (
        date(2026, 11, 22),
        date(2026, 11, 24),
        False,
    )
    edges = day_range(at(2, 6), at(5, 18))
    assert (edges.first, edges.last) == (date(2026, 11, 23), date(2026, 11, 24))
    assert edges.low_edge == (at(2, 6), datetime.combine(date(2026, 11, 22), LAST, UTC))
    assert edges.high_edge == (at(5), at(5, 18))
    same_day = day_range(at(4, 2), at(4, 20))
    assert (same_day.low_edge, same_day.high_edge, same_day.empty) == (
        (at(4, 2), at(4, 20)),
        None,
        True,
    )
    assert day_range(None, None) == day_range(None, None) and not day_range(None, None).partial
