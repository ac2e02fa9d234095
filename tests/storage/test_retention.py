"""Retention against an injected clock: old records go, the all-time rollups equal a plain
count of what remains, old buckets are dropped, and the seal chain still verifies."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import ActivityRecord, ActivityRollup
from agent_activity.domain.activity.retention import Retention, cutoff_of
from agent_activity.domain.activity.verify import verify_org
from agent_activity.runtime import Runtime
from tests.api.activity.helpers import activity, ingest
from tests.conftest import FakeClock
from tests.factories import Tenant, make_token


async def test_retention_keeps_rollups_and_seals(
    client: httpx.AsyncClient, runtime: Runtime, db: AsyncSession, tenant: Tenant, clock: FakeClock
) -> None:
    now = clock()
    # One batch straddles the cutoff, so retention reseals what is left of it.
    records = [activity(now - timedelta(days=d, minutes=7), action="read") for d in range(8)]
    await ingest(client, tenant, records)
    await ingest(client, tenant, [activity(now - timedelta(days=20), action="old")])
    url = f"/v1/orgs/{tenant.org_id}/retention"
    response = await client.put(url, json={"retention_days": 3}, headers=tenant.headers)
    assert response.status_code == 200, response.text
    assert response.json()["effective_days"] == 3
    done = await Retention(runtime.sessionmaker, None, clock, batch_size=2).run_pass()
    assert done is not None and done[0].records == 5
    cutoff = cutoff_of(now, 3)
    left = await db.scalar(select(func.count()).where(ActivityRecord.org_id == tenant.org_id))
    assert left == 4
    total = await db.scalar(
        select(func.sum(ActivityRollup.requests)).where(
            ActivityRollup.org_id == tenant.org_id,
            ActivityRollup.scope_type == "org",
            ActivityRollup.span == "all",
        )
    )
    assert total == left
    old = await db.scalar(
        select(func.count()).where(
            ActivityRollup.org_id == tenant.org_id,
            ActivityRollup.bucket_start < cutoff,
            ActivityRollup.span != "all",
        )
    )
    assert old == 0
    report = await verify_org(db, tenant.org_id)
    assert report.ok, report.first_bad
    # Chunks of two: the old batch is resealed once, the straddling one at each of 3 chunks.
    assert report.superseded == 4


async def test_retention_admin_api_errors_and_tenancy(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, other_tenant: Tenant
) -> None:
    url = f"/v1/orgs/{tenant.org_id}/retention"
    bad = await client.put(url, json={"retention_days": 0}, headers=tenant.headers)
    assert bad.status_code == 422
    other = await client.get(url, headers=other_tenant.headers)
    assert other.status_code == 404
    reader = await make_token(runtime, tenant, ["read"])
    denied = await client.get(url, headers={"Authorization": f"Bearer {reader}"})
    assert denied.status_code == 403
