"""NUL characters: PostgreSQL's text and JSON refuse them, so the write path replaces each with
U+FFFD, in every text column and at any depth of the JSON columns (keys too), on both engines;
a record without one is stored exactly as given."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, select

from agent_activity.db.models import ActivityRecord
from agent_activity.domain.activity.store import normalise, write_activity_records
from agent_activity.runtime import Runtime
from tests.factories import Tenant

AT = datetime(2026, 11, 30, 12, tzinfo=UTC)
TEXT_COLUMNS = [
    attribute.key
    for attribute in ActivityRecord.__mapper__.column_attrs
    if isinstance(attribute.columns[0].type, String)
]


async def read_back(runtime: Runtime, record_id: uuid.UUID) -> ActivityRecord:
    async with runtime.sessionmaker() as session:
        statement = select(ActivityRecord).where(ActivityRecord.id == record_id)
        return (await session.scalars(statement)).one()


async def write(runtime: Runtime, record: dict[str, Any]) -> None:
    async with runtime.sessionmaker() as session:
        assert await write_activity_records(session, [record]) == 1
        await session.commit()


async def test_a_nul_in_every_text_column_and_nested_json_is_replaced(
    runtime: Runtime, tenant: Tenant
) -> None:
    assert len(TEXT_COLUMNS) >= 20  # every String column of the log, ids included
    record: dict[str, Any] = {name: f"{i}\x00x" for i, name in enumerate(TEXT_COLUMNS)}
    record.update(
        id=uuid.uuid4(),
        org_id=tenant.org_id,
        timestamp=AT,
        token_usage={"in\x00put": 3},
        record_metadata={"k\x00": ["v\x00", {"deep\x00": {"x": "\x00"}}], "plain": "fine"},
    )
    await write(runtime, record)
    stored = await read_back(runtime, record["id"])
    for i, name in enumerate(TEXT_COLUMNS):
        assert getattr(stored, name) == f"{i}\ufffdx", name
    assert stored.token_usage == {"in\ufffdput": 3}
    assert stored.record_metadata == {
        "k\ufffd": ["v\ufffd", {"deep\ufffd": {"x": "\ufffd"}}],
        "plain": "fine",
    }
    assert stored.total_tokens == 3


async def test_a_record_without_nul_is_stored_as_given(runtime: Runtime, tenant: Tenant) -> None:
    """Also one holding the text of a JSON escape (a backslash, then u0000), which is no NUL."""
    metadata = {"escaped": "\\u0000", "list": ["a", {"b": "\\\\u0000"}], "n": 1.5}
    record: dict[str, Any] = {name: f"{i}\\u0000" for i, name in enumerate(TEXT_COLUMNS)}
    record.update(id=uuid.uuid4(), org_id=tenant.org_id, timestamp=AT, record_metadata=metadata)
    await write(runtime, record)
    stored = await read_back(runtime, record["id"])
    for i, name in enumerate(TEXT_COLUMNS):
        assert getattr(stored, name) == f"{i}\\u0000", name
    assert stored.record_metadata == metadata


def test_a_row_orjson_cannot_write_is_still_cleaned() -> None:
    """An integer past 64 bits stops the one-dump check; the walk then finds the NUL."""
    row = normalise(
        {"org_id": uuid.uuid4(), "path": "/a\x00", "record_metadata": {"n": 2**70, "s": "\x00"}}
    )
    assert row["path"] == "/a\ufffd"
    assert row["record_metadata"] == {"n": 2**70, "s": "\ufffd"}


def test_a_row_without_nul_keeps_its_json_objects() -> None:
    metadata = {"nested": {"list": [1, "two"]}}
    row = normalise({"org_id": uuid.uuid4(), "record_metadata": metadata})
    assert row["record_metadata"] is metadata
