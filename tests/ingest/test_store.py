"""write_activity_records on both engines (multi-row INSERTs on SQLite, COPY on PostgreSQL): a key
collision is SQLAlchemy's IntegrityError and leaves neither records nor rollups behind."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from agent_activity.db.models import ActivityRecord
from agent_activity.ingest.store import write_activity_records
from agent_activity.runtime import Runtime
from tests.factories import Tenant
from tests.ingest.stored import stored


async def test_a_colliding_batch_is_an_integrity_error_and_writes_nothing(
    runtime: Runtime, tenant: Tenant
) -> None:
    first = {
        "id": uuid.uuid4(),
        "org_id": tenant.org_id,
        "timestamp": datetime(2026, 11, 30, 12, tzinfo=UTC),
        "action": "read",
        "token_usage": {"input_tokens": 3, "output_tokens": 4},
        "record_metadata": {"source": "test"},
    }
    async with runtime.sessionmaker() as session:
        assert await write_activity_records(session, [first]) == 1
        await session.commit()
    fresh = {**first, "id": uuid.uuid4()}
    async with runtime.sessionmaker() as session:
        with pytest.raises(IntegrityError):
            await write_activity_records(session, [fresh, first])
        await session.rollback()
    assert await stored(runtime, tenant) == (1, 1)
    async with runtime.sessionmaker() as session:
        row = (await session.execute(select(ActivityRecord))).scalars().one()
    assert row.token_usage == {"input_tokens": 3, "output_tokens": 4}
    assert row.record_metadata == {"source": "test"} and row.total_tokens == 7


async def test_records_are_written_in_the_callers_transaction(
    runtime: Runtime, tenant: Tenant
) -> None:
    """Also when the write is the transaction's first statement (the request log's case): a
    rollback afterwards leaves nothing, so records and rollups commit together or not at all."""
    record = {"org_id": tenant.org_id, "timestamp": datetime(2026, 11, 30, 12, tzinfo=UTC)}
    async with runtime.sessionmaker() as session:
        assert await write_activity_records(session, [record]) == 1
        await session.rollback()
    assert await stored(runtime, tenant) == (0, 0)


async def test_a_batch_of_every_chunk_size_is_stored_value_for_value(
    runtime: Runtime, tenant: Tenant
) -> None:
    """343 = 256 + 64 + 16 + 4 + 1 + 1 + 1 rows: on SQLite every multi-row INSERT size is used,
    for the records and for their rollups (one user per record: as many rollup rows)."""
    base = datetime(2026, 11, 30, 12, tzinfo=UTC)
    records: list[dict[str, Any]] = [
        {
            "id": uuid.uuid4(),
            "org_id": tenant.org_id,
            "timestamp": base.replace(minute=n % 60, second=n // 60),
            "user_id": f"user-{n}",
            "action": "read" if n % 2 else "update",
            "duration_ms": float(n),
            "success": n % 3 != 0,
            "token_usage": {"total_tokens": n},
        }
        for n in range(343)
    ]
    async with runtime.sessionmaker() as session:
        assert await write_activity_records(session, records) == 343
        await session.commit()
    async with runtime.sessionmaker() as session:
        rows = (await session.execute(select(ActivityRecord))).scalars().all()
    by_id = {row.id: row for row in rows}
    assert len(by_id) == 343
    for record in records:
        row = by_id[record["id"]]
        assert (row.timestamp, row.user_id, row.action) == (
            record["timestamp"],
            record["user_id"],
            record["action"],
        )
        assert (row.duration_ms, row.success, row.total_tokens) == (
            record["duration_ms"],
            record["success"],
            record["token_usage"]["total_tokens"],
        )
    assert await stored(runtime, tenant) == (343, 343)
