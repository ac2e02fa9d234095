"""The default rate limit (no Redis) writes the database once per flush interval per token, not
once per request, and within one process is still exact at N + 1."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.config import Settings
from agent_activity.db.models import RateLimitCounter
from tests.factories import Tenant

LIMIT = 8


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url, rate_limit_per_minute=LIMIT, request_log_enabled=False
    )


async def test_the_limit_is_exact_without_a_write_per_request(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession
) -> None:
    path = f"/api/projects/{tenant.project_id}/agent-activity"
    statuses = [(await client.get(path, headers=tenant.headers)).status_code for _ in range(LIMIT)]
    assert statuses == [200] * LIMIT
    # One flush, at the first request of the window: the rest were counted in memory.
    stored = await db.scalar(select(func.sum(RateLimitCounter.count)))
    assert stored == 1
    limited = await client.get(path, headers=tenant.headers)
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
