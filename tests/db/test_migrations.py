"""The migrations are the schema: they apply from empty and match the models exactly."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import (
    Column,
    Connection,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    insert,
    inspect,
    select,
)
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from agent_activity.db.base import Base, UTCDateTime, new_id
from agent_activity.db.migrate import alembic_config, is_up_to_date, upgrade
from agent_activity.db.models import NOT_YET, Agent, AgentRun, AgentRunCount, Org
from agent_activity.db.partitions import include_name


def _diff(connection: Connection) -> list[Any]:
    opts = {"compare_type": True, "include_name": include_name}
    context = MigrationContext.configure(connection, opts=opts)
    return list(compare_metadata(context, Base.metadata))


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(_diff)
        assert differences == []
        assert await is_up_to_date(engine)
    finally:
        await engine.dispose()


HOURS = [
    # (scope_type, hour bucket, action, requests, tokens)
    ("org", datetime(2026, 11, 20, 22, tzinfo=UTC), "read", 3, 10),
    ("org", datetime(2026, 11, 20, 23, tzinfo=UTC), "read", 4, 20),
    ("org", datetime(2026, 11, 21, 0, tzinfo=UTC), "read", 5, 40),
    ("org", datetime(2026, 11, 21, 0, tzinfo=UTC), "create", 1, 0),
    ("workspace", datetime(2026, 11, 21, 5, tzinfo=UTC), "read", 2, 1),
]


async def test_the_spans_migration_fills_days_and_all_time_from_the_hours(
    empty_database_url: str,
) -> None:
    """A database holding hourly rollups before migration 0002 answers as one that started with
    three spans: its day and all-time rows are the sums of its hours."""
    engine = create_async_engine(empty_database_url)
    org_id = uuid.uuid4()
    old = rollups_table(with_span=False)
    try:
        await upgrade(engine, "0001")
        async with engine.begin() as connection:
            await connection.execute(
                old.insert(),
                [
                    {"org_id": org_id, "scope_type": scope, "scope_id": "s", "bucket_start": hour,
                     "action": action, "resource_type": "", "requests": requests,
                     "successes": requests, "duration_sum_ms": 1.5 * requests,
                     "duration_count": requests, "tokens": tokens}
                    for scope, hour, action, requests, tokens in HOURS
                ],
            )  # fmt: skip
        await upgrade(engine)
        new = rollups_table(with_span=True)
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(new.c.scope_type, new.c.span, new.c.bucket_start, new.c.action,
                       new.c.requests, new.c.duration_sum_ms, new.c.tokens)
            )  # fmt: skip
            got = {tuple(row[:4]): tuple(row[4:]) for row in rows}
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0001"))
        async with engine.connect() as connection:
            back = (await connection.execute(select(old.c.requests))).scalars().all()
    finally:
        await engine.dispose()
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    expected = {(s, "hour", h, a): (n, 1.5 * n, t) for s, h, a, n, t in HOURS}
    expected |= {
        ("org", "day", day(20), "read"): (7, 10.5, 30),
        ("org", "day", day(21), "read"): (5, 7.5, 40),
        ("org", "day", day(21), "create"): (1, 1.5, 0),
        ("org", "all", epoch, "read"): (12, 18.0, 70),
        ("org", "all", epoch, "create"): (1, 1.5, 0),
        ("workspace", "day", day(21), "read"): (2, 3.0, 1),
        ("workspace", "all", epoch, "read"): (2, 3.0, 1),
    }
    assert got == expected
    assert sorted(back) == sorted(n for *_, n, _ in HOURS)  # downgrading keeps the hours


def day(number: int) -> datetime:
    return datetime(2026, 11, number, tzinfo=UTC)


def rollups_table(*, with_span: bool) -> Table:
    """The rollups table as one revision has it, apart from the models' current shape."""
    span = [Column("span", String)] if with_span else []
    return Table(
        "activity_rollups", MetaData(),
        Column("id", Integer, primary_key=True), Column("org_id", Uuid),
        Column("scope_type", String), Column("scope_id", String), *span,
        Column("bucket_start", UTCDateTime()), Column("action", String),
        Column("resource_type", String), Column("requests", Integer),
        Column("successes", Integer), Column("duration_sum_ms", Float),
        Column("duration_count", Integer), Column("tokens", Integer),
    )  # fmt: skip


def _run_list_indexes(sync: Connection) -> dict[str, list[str | None]]:
    return {
        str(index["name"]): index["column_names"]
        for index in inspect(sync).get_indexes("agent_runs")
        if str(index["name"]).startswith("ix_agent_runs_agent_")
    }


async def test_the_covering_migration_widens_the_run_list_indexes_and_back(
    empty_database_url: str,
) -> None:
    engine = create_async_engine(empty_database_url)
    try:
        await upgrade(engine)
        async with engine.connect() as connection:
            widened = await connection.run_sync(_run_list_indexes)
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0002"))
        async with engine.connect() as connection:
            narrowed = await connection.run_sync(_run_list_indexes)
    finally:
        await engine.dispose()
    assert widened["ix_agent_runs_agent_started"] == [
        "agent_id", "started_on", "id", "completed_on", "created_on", "status"
    ]  # fmt: skip
    assert widened["ix_agent_runs_agent_status"] == [
        "agent_id", "status", "id", "started_on", "completed_on", "created_on"
    ]  # fmt: skip
    assert narrowed == {
        f"ix_agent_runs_agent_{name}": ["agent_id", key, "id"]
        for name, key in [
            ("started", "started_on"),
            ("completed", "completed_on"),
            ("created", "created_on"),
            ("status", "status"),
        ]
    }


async def test_the_run_counts_migration_counts_the_runs_already_there(
    empty_database_url: str,
) -> None:
    """Runs written before migration 0004 are counted by it, and its triggers count the runs
    written after; downgrading drops both the table and the triggers."""
    engine = create_async_engine(empty_database_url)
    sessions = async_sessionmaker(engine)
    created = datetime(2026, 11, 20, 10, tzinfo=UTC)
    try:
        await upgrade(engine)
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0003"))
        async with sessions() as session, session.begin():
            # Only the columns revision 0003 has: the model's newer columns are not there yet.
            org_id = new_id()
            await session.execute(insert(Org).values(id=org_id, name="O", created_at=created))
            agent = Agent(org_id=org_id, name="A")
            session.add(agent)
            await session.flush()
            agent_id = agent.id
            for index, status in enumerate(["pending", "running", "completed", "completed"]):
                started = None if status == "pending" else created + timedelta(hours=index)
                finished = (
                    started + timedelta(days=1) if started and status == "completed" else None
                )
                session.add(
                    AgentRun(
                        org_id=org_id, agent_id=agent.id, workflow_id="w", approach="a",
                        status=status, trigger_type="manual", created_on=created,
                        started_on=started,
                        completed_on=finished,
                    )
                )  # fmt: skip
        await upgrade(engine)
        async with sessions() as session, session.begin():
            session.add(
                AgentRun(
                    org_id=org_id, agent_id=agent_id, workflow_id="w", approach="a",
                    status="pending", trigger_type="manual", created_on=created,
                )
            )  # fmt: skip
        async with sessions() as session:
            counted = {
                (row.status, row.started_day, row.completed_day): row.runs
                for row in await session.scalars(select(AgentRunCount))
            }
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0003"))
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    day = date(2026, 11, 20)
    assert counted == {
        ("pending", NOT_YET, NOT_YET): 2,
        ("running", day, NOT_YET): 1,
        ("completed", day, date(2026, 11, 21)): 2,
    }
    assert "agent_run_counts" not in tables
