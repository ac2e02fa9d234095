"""Migration 0013 on a filled log, on both engines: every record keeps its id and its seal,
the rollups are untouched, and a replay of a record stored before it is still stored once."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from agent_activity.bootstrap import init_org
from agent_activity.config import Settings
from agent_activity.db.migrate import upgrade
from agent_activity.db.models import ActivityRecord, ActivityRollup
from agent_activity.domain.activity.store import write_activity_records
from agent_activity.domain.activity.verify import verify_org
from agent_activity.runtime import Runtime
from tests.factories import Tenant

START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
OLD = [(f"old-{n}", START + timedelta(hours=n)) for n in range(60)]


@dataclass(frozen=True)
class Filled:
    url: str
    tenant: Tenant
    ids: dict[str, uuid.UUID]  # client id -> the row id it had before the migration
    rollups: list[Any]


@pytest.fixture
async def filled(empty_database_url: str) -> AsyncIterator[Filled]:
    """A log at revision 0012 holding records with drawn ids, sealed and rolled up, migrated."""
    engine = create_async_engine(empty_database_url)
    try:
        await upgrade(engine, "0012_dashboard_reads")
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with sessions() as session, session.begin():
            made = await init_org(
                session, org_name="Acme", workspace_name="Main", project_name="Board",
                email="admin@acme.test", user_name="Admin",
            )  # fmt: skip
            ids = {key: uuid.uuid4() for key, _ in OLD}
            records = [
                {"id": ids[key], "org_id": made.org_id, "external_id": key, "timestamp": at,
                 "action": "read", "workspace_id": str(made.workspace_id)}
                for key, at in OLD
            ]  # fmt: skip
            for start in range(0, len(records), 25):  # three batches, three seals
                await write_activity_records(session, records[start : start + 25])
        rollups = await _rollups(sessions)
        await upgrade(engine)
    finally:
        await engine.dispose()
    tenant = Tenant(made.org_id, made.workspace_id, made.project_id, made.user_id, made.token)
    yield Filled(empty_database_url, tenant, ids, rollups)


async def _rollups(sessions: async_sessionmaker[Any]) -> list[Any]:
    R = ActivityRollup
    async with sessions() as session:
        rows = await session.execute(
            select(R.scope_type, R.scope_id, R.span, R.bucket_start, R.action, R.requests)
        )
        return sorted(tuple(row) for row in rows)


@pytest.fixture
def settings(filled: Filled) -> Settings:
    return Settings(database_url=filled.url, rate_limit_per_minute=0, request_log_enabled=False)


async def test_records_keep_their_ids_seals_and_rollups(
    filled: Filled, runtime: Runtime, client: httpx.AsyncClient
) -> None:
    async with runtime.sessionmaker() as session:
        rows = await session.execute(select(ActivityRecord.external_id, ActivityRecord.id))
        assert {key: id_ for key, id_ in rows} == filled.ids
        report = await verify_org(session, filled.tenant.org_id)
        assert report.ok, report.first_bad
        assert (report.seals, report.records) == (3, 60)
    assert await _rollups(runtime.sessionmaker) == filled.rollups
    url = f"/v1/orgs/{filled.tenant.org_id}/activity"
    # A replay of records stored before the migration, and one new record, in one batch.
    replay = [{"id": key, "timestamp": at.isoformat(), "action": "read"} for key, at in OLD[:5]]
    fresh = {"id": "new-1", "timestamp": START.isoformat(), "action": "read"}
    answer = await client.post(
        url, json={"activities": [*replay, fresh]}, headers=filled.tenant.headers
    )
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"accepted": 6, "inserted": 1, "duplicates": 5}
    again = await client.post(url, json={"activities": [fresh]}, headers=filled.tenant.headers)
    assert again.json() == {"accepted": 1, "inserted": 0, "duplicates": 1}
    async with runtime.sessionmaker() as session:
        count = await session.scalar(text("SELECT count(*) FROM activity_records"))
        assert count == 61
        assert (await verify_org(session, filled.tenant.org_id)).ok
