"""What is stored for a tenant, read back for the ingest and store tests."""

from __future__ import annotations

from sqlalchemy import func, select

from agent_activity.db.models import ActivityRecord, ActivityRollup
from agent_activity.runtime import Runtime
from tests.factories import Tenant


async def stored(runtime: Runtime, tenant: Tenant) -> tuple[int, int]:
    """(records, org-level all-time rollup requests) stored for the tenant."""
    async with runtime.sessionmaker() as session:
        records = await session.scalar(
            select(func.count()).where(ActivityRecord.org_id == tenant.org_id)
        )
        rolled = await session.scalar(
            select(func.coalesce(func.sum(ActivityRollup.requests), 0)).where(
                ActivityRollup.org_id == tenant.org_id,
                ActivityRollup.scope_type == "org",
                ActivityRollup.span == "all",
            )
        )
    return int(records or 0), int(rolled or 0)
