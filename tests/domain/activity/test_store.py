"""write_activity_records on both engines (executemany on SQLite, COPY on PostgreSQL): a key
collision is SQLAlchemy's IntegrityError and leaves neither records nor rollups behind."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from agent_activity.db.models import ActivityRecord
from agent_activity.domain.activity.store import write_activity_records
from agent_activity.runtime import Runtime
from tests.domain.activity.stored import stored
from tests.factories import Tenant


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
