"""The seals migration on a filled log: old records stay readable and are counted as unsealed;
records written after it are sealed and verify."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, Boolean, Column, MetaData, String, Table, Uuid
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from agent_activity.db.base import UTCDateTime
from agent_activity.db.migrate import upgrade
from agent_activity.domain.activity.store import write_activity_records
from agent_activity.domain.activity.verify import verify_org

# The columns of activity_records that a record before migration 0006 needs, spelled out.
OLD = Table(
    "activity_records",
    MetaData(),
    Column("id", Uuid()),
    Column("org_id", Uuid()),
    Column("timestamp", UTCDateTime()),
    Column("received_at", UTCDateTime()),
    Column("action", String(64)),
    Column("success", Boolean()),
    Column("total_tokens", BigInteger()),
)


async def test_a_filled_log_keeps_its_records_and_seals_new_ones(empty_database_url: str) -> None:
    engine = create_async_engine(empty_database_url)
    org_id = uuid.uuid4()
    start = datetime(2026, 12, 1, tzinfo=UTC)
    try:
        await upgrade(engine, "0005")
        async with engine.begin() as connection:
            await connection.execute(
                OLD.insert(),
                [
                    {"id": uuid.uuid4(), "org_id": org_id, "action": "old",
                     "timestamp": start + timedelta(seconds=s), "received_at": start,
                     "success": True, "total_tokens": 0}
                    for s in range(500)
                ],
            )  # fmt: skip
        await upgrade(engine)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with sessions() as session, session.begin():
            new = [{"org_id": org_id, "action": "new", "timestamp": start} for _ in range(20)]
            await write_activity_records(session, new)
        async with sessions() as session:
            report = await verify_org(session, org_id)
        assert report.ok, report.first_bad
        assert (report.seals, report.records, report.unsealed) == (1, 20, 500)
    finally:
        await engine.dispose()
