"""PostgreSQL's day partitions: made ahead by the service's job, a default partition for any
other time, and retention dropping a day whole while the rollups and seals stay exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import ActivityRecord, ActivityRollup
from agent_activity.db.partitions import (
    AHEAD_DAYS,
    PartitionJob,
    ensure_partitions,
    partition_days,
)
from agent_activity.domain.activity.retention import Retention, cutoff_of
from agent_activity.domain.activity.rollups import aggregate
from agent_activity.domain.activity.verify import verify_org
from agent_activity.runtime import Runtime
from tests.api.activity.helpers import activity, ingest
from tests.conftest import FakeClock
from tests.factories import Tenant


@pytest.fixture
def dialect() -> str:
    return "postgresql"  # SQLite keeps one table: there is nothing to partition


async def test_the_job_keeps_a_week_ahead_and_any_time_lands(
    client: httpx.AsyncClient, runtime: Runtime, db: AsyncSession, tenant: Tenant, clock: FakeClock
) -> None:
    clock.advance(40 * 86400)  # a day no earlier test made partitions for
    job = PartitionJob(runtime.sessionmaker, clock)
    created = await job.run_once()
    today = clock().date()
    window = {today + timedelta(days=d) for d in range(-1, AHEAD_DAYS + 1)}
    assert created is not None and set(created) == window
    assert await job.run_once() == []  # nothing left to make
    async with runtime.sessionmaker() as session:
        assert window <= await partition_days(await session.connection())
    soon = clock() + timedelta(minutes=1)
    far = [activity(datetime(1999, 1, 1, tzinfo=UTC)), activity(soon)]
    body = await ingest(client, tenant, far)
    assert body["inserted"] == 2
    placed = await db.execute(
        text("SELECT tableoid::regclass::text FROM activity_records WHERE org_id = :org"),
        {"org": tenant.org_id},
    )
    own = f"activity_records_p{soon.date():%Y%m%d}"
    assert sorted(placed.scalars()) == ["activity_records_default", own]
    page = (await client.get(f"/v1/orgs/{tenant.org_id}/activity", headers=tenant.headers)).json()
    assert len(page["activities"]) == 2


async def test_a_day_in_the_default_partition_is_left_there(
    runtime: Runtime, client: httpx.AsyncClient, tenant: Tenant, clock: FakeClock
) -> None:
    clock.advance(80 * 86400)
    held = (clock() - timedelta(days=5)).date()
    # No partition for that day: its record goes to the default partition.
    await ingest(client, tenant, [activity(clock() - timedelta(days=5))])
    async with runtime.sessionmaker() as session, session.begin():
        created = await ensure_partitions(await session.connection(), held + timedelta(days=1))
    assert held not in created
    assert held + timedelta(days=1) in created
    page = (await client.get(f"/v1/orgs/{tenant.org_id}/activity", headers=tenant.headers)).json()
    assert len(page["activities"]) == 1


async def test_retention_drops_whole_days_and_keeps_rollups_and_seals(
    client: httpx.AsyncClient, runtime: Runtime, db: AsyncSession, tenant: Tenant, clock: FakeClock
) -> None:
    clock.advance(120 * 86400)
    now = clock()
    old_day = (now - timedelta(days=10)).date()
    async with runtime.sessionmaker() as session, session.begin():
        await ensure_partitions(await session.connection(), old_day + timedelta(days=1))
    start = datetime(old_day.year, old_day.month, old_day.day, 6, tzinfo=UTC)
    # A batch wholly in the old day, and one straddling it and the days that stay.
    await ingest(client, tenant, [activity(start + timedelta(minutes=m)) for m in range(6)])
    straddling = [activity(start + timedelta(hours=1)), activity(now - timedelta(days=1))]
    await ingest(client, tenant, straddling)
    await ingest(
        client, tenant, [activity(now - timedelta(days=5)), activity(now - timedelta(days=2))]
    )
    await ingest(client, tenant, [activity(now - timedelta(days=30))])  # the default partition
    response = await client.put(
        f"/v1/orgs/{tenant.org_id}/retention", json={"retention_days": 3}, headers=tenant.headers
    )
    assert response.status_code == 200
    done = await Retention(runtime.sessionmaker, None, clock, batch_size=2).run_pass()
    assert done is not None
    async with runtime.sessionmaker() as session:
        days = await partition_days(await session.connection())
    assert old_day not in days  # dropped, not emptied
    assert cutoff_of(now, 3).date() in days
    rows = (
        await db.execute(select(ActivityRecord).where(ActivityRecord.org_id == tenant.org_id))
    ).scalars()
    left = [
        {
            name: getattr(row, name)
            for name in ("org_id", "workspace_id", "user_id", "app_id", "endpoint_id",
                         "timestamp", "action", "resource_type", "success", "duration_ms",
                         "total_tokens", "via_dashboard")
        }
        for row in rows
    ]  # fmt: skip
    assert len(left) == 2
    # The rollups equal a plain recomputation from the records that remain.
    expected = {key: value for key, value in aggregate(left).items() if key[3] == "all"}
    stored = await db.execute(
        select(ActivityRollup).where(
            ActivityRollup.org_id == tenant.org_id, ActivityRollup.span == "all"
        )
    )
    got = {
        (r.org_id, r.scope_type, r.scope_id, r.span, r.bucket_start, r.action, r.resource_type): [
            r.requests, r.successes, r.duration_sum_ms, r.duration_count, r.tokens
        ]
        for r in stored.scalars()
    }  # fmt: skip
    assert got == expected
    old_buckets = await db.scalar(
        select(func.count()).where(
            ActivityRollup.org_id == tenant.org_id,
            ActivityRollup.span != "all",
            ActivityRollup.bucket_start < cutoff_of(now, 3),
        )
    )
    assert old_buckets == 0
    report = await verify_org(db, tenant.org_id)
    assert report.ok, report.first_bad
