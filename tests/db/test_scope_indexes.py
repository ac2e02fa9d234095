"""The scoped feeds' indexes are partial (only records that have the scope), and every feed's
page query still reads its records from one of them, newest first, on both engines."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from agent_activity.db.migrate import alembic_config, upgrade
from agent_activity.db.models.activity import SCOPE_INDEXES
from agent_activity.domain.activity.query import ActivityFilter, Position, _page

ORG = uuid.UUID("01a23629-1c25-7499-b714-45775deb3cb8")
WORKSPACE, USER, APP = "ix_activity_workspace_ts", "ix_activity_user_ts", "ix_activity_app_ts"
# Each feed's filter (spec file 004), and the indexes that may serve it: its own, or where two
# are equally narrow without statistics (a workspace's resource), the planner's pick of them.
FEEDS: list[tuple[ActivityFilter, set[str]]] = [
    (ActivityFilter(ORG, workspace_id="w"), {WORKSPACE}),
    (ActivityFilter(ORG, user_id="u"), {USER}),
    (ActivityFilter(ORG, user_id="u", workspace_id="w"), {USER, WORKSPACE}),
    (ActivityFilter(ORG, workspace_id="w", app_id="a"), {APP}),
    (
        ActivityFilter(ORG, workspace_id="w", app_id="a", endpoint_id="e"),
        {"ix_activity_endpoint_ts"},
    ),
    (
        ActivityFilter(ORG, workspace_id="w", augmentation_id="g"),
        {"ix_activity_augmentation_ts"},
    ),
    (
        ActivityFilter(ORG, workspace_id="w", resource_id="r"),
        {"ix_activity_resource_ts", WORKSPACE},
    ),
    (ActivityFilter(ORG, workspace_id="w", action="read"), {"ix_activity_action_ts"}),
]
INDEX_DEFINITIONS = {
    "sqlite": "SELECT name, sql FROM sqlite_master WHERE type = 'index'",
    "postgresql": "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'activity_records'",
}


async def index_definitions(engine: AsyncEngine, dialect: str) -> dict[str, str]:
    async with engine.connect() as connection:
        rows = await connection.execute(text(INDEX_DEFINITIONS[dialect]))
        return {str(name): str(sql) for name, sql in rows}


def assert_partial(definitions: dict[str, str]) -> None:
    for name, columns in SCOPE_INDEXES.items():
        condition = definitions[name].split(" WHERE ", 1)[1]
        for column in columns:
            assert f"{column} IS NOT NULL" in condition, (name, condition)
    assert " WHERE " not in definitions["ix_activity_org_ts"]


async def test_each_scoped_index_holds_only_records_that_have_its_columns(
    database_url: str, dialect: str
) -> None:
    engine = create_async_engine(database_url)
    try:
        assert_partial(await index_definitions(engine, dialect))
    finally:
        await engine.dispose()


async def test_the_partial_indexes_migration_goes_both_ways(
    empty_database_url: str, dialect: str
) -> None:
    engine = create_async_engine(empty_database_url)
    try:
        await upgrade(engine)
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0004"))
        before = await index_definitions(engine, dialect)
        await upgrade(engine)
        assert_partial(await index_definitions(engine, dialect))
    finally:
        await engine.dispose()
    for name in SCOPE_INDEXES:
        assert " WHERE " not in before[name]


async def plan_of(
    connection: AsyncConnection, dialect: str, statement: Any, values: dict[str, Any]
) -> str:
    bound = statement.params(values).compile(
        dialect=connection.dialect, compile_kwargs={"literal_binds": True}
    )
    if dialect == "sqlite":
        result = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {bound}")
        return "\n".join(str(row[-1]) for row in result)
    # PostgreSQL reads tables this small whole, by its own choice; what is asked here is only
    # whether a partial index can serve the query.
    await connection.exec_driver_sql("SET enable_seqscan = off")
    await connection.exec_driver_sql("SET enable_bitmapscan = off")
    result = await connection.exec_driver_sql(f"EXPLAIN {bound}")
    return "\n".join(str(row[0]) for row in result)


async def test_every_feed_pages_newest_first_through_a_scoped_index(
    database_url: str, dialect: str
) -> None:
    engine = create_async_engine(database_url)
    deep = Position(datetime(2026, 11, 20, 12, tzinfo=UTC), uuid.UUID(int=7))
    try:
        async with engine.connect() as connection:
            for query, usable in FEEDS:
                for after in (None, deep):
                    values = query.values() | {"limit": 51}
                    if after is not None:
                        values |= {"after_timestamp": after.timestamp, "after_id": after.id}
                    plan = await plan_of(connection, dialect, _page(query, after), values)
                    used = {name for name in SCOPE_INDEXES if name in plan}
                    assert used and used <= usable, (query.shape(), plan)
                    # No Sort node: PostgreSQL merges its day partitions' indexes in order
                    # (a Merge Append, which names a "Sort Key" but sorts nothing).
                    assert "TEMP B-TREE" not in plan and "Sort  (" not in plan, plan
    finally:
        await engine.dispose()
