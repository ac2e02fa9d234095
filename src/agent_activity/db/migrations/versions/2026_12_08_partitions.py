"""Derived record ids and day partitions: the primary key of activity_records becomes
(id, timestamp) and the unique key (org_id, external_id) goes; on PostgreSQL the table is
range-partitioned by timestamp, one partition a UTC day plus a default one. Existing rows keep
their ids; their client ids are kept in activity_legacy_keys, so a replay of one is still
stored once (docs/storage.md, "Record ids and retries").

Revision ID: 0013_partitions
Revises: 0012_dashboard_reads
Create Date: 2026-12-08 03:00:00
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from agent_activity.db.partitions import AHEAD_DAYS, DEFAULT, NAME_INDEXES_SQL, create_day_sql

revision: str = "0013_partitions"
down_revision: str | None = "0012_dashboard_reads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "activity_records"
OLD = "activity_records_old"
OLD_PK = "CONSTRAINT pk_activity_records PRIMARY KEY (id)"
NEW_PK = "CONSTRAINT pk_activity_records PRIMARY KEY (id, timestamp)"
UNIQUE = "CONSTRAINT uq_activity_records_org_id_external_id UNIQUE (org_id, external_id)"
# Days with records this far back or ahead get a partition of their own; older ones stay in
# the default partition, which retention empties by batch deletes.
DAY_PARTITIONS_BACK = timedelta(days=366)


def upgrade() -> None:
    op.create_table(
        "activity_legacy_keys",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "external_id", name=op.f("pk_activity_legacy_keys")),
    )
    op.execute(
        "INSERT INTO activity_legacy_keys (org_id, external_id)"
        f" SELECT org_id, external_id FROM {TABLE} WHERE external_id IS NOT NULL"
    )
    if op.get_bind().dialect.name == "postgresql":
        _rebuild_postgresql(partitioned=True)
    else:
        _rebuild_sqlite(lambda sql: _replace(sql, f"{OLD_PK}, \n\t{UNIQUE}", NEW_PK))


def downgrade() -> None:
    # Fails if two records of an org now share a client id (at two times): the old key refused it.
    if op.get_bind().dialect.name == "postgresql":
        _rebuild_postgresql(partitioned=False)
    else:
        _rebuild_sqlite(lambda sql: _replace(sql, NEW_PK, f"{OLD_PK}, \n\t{UNIQUE}"))
    op.drop_table("activity_legacy_keys")


def _replace(sql: str, old: str, new: str) -> str:
    if old not in sql:
        raise RuntimeError(f"{TABLE} is not in the shape this migration expects: {sql}")
    return sql.replace(old, new)


def _rebuild_sqlite(transform: Callable[[str], str]) -> None:
    """SQLite changes a key only by copying the table: the same CREATE with the new keys, the
    rows, then the indexes exactly as they were (read back from sqlite_master)."""
    bind = op.get_bind()
    table_sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
    ).scalar_one()
    index_sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        (TABLE,),
    ).scalars()
    indexes = list(index_sql)
    # A renamed table's CREATE names it in quotes.
    new_sql = re.sub(
        rf'^CREATE TABLE "?{TABLE}"? ', "CREATE TABLE activity_new ", transform(table_sql)
    )
    bind.exec_driver_sql(new_sql)
    bind.exec_driver_sql(f"INSERT INTO activity_new SELECT * FROM {TABLE}")
    bind.exec_driver_sql(f"DROP TABLE {TABLE}")
    bind.exec_driver_sql(f"ALTER TABLE activity_new RENAME TO {TABLE}")
    for sql in indexes:
        bind.exec_driver_sql(sql)


def _rebuild_postgresql(*, partitioned: bool) -> None:
    """A new table (partitioned by day, or plain again), the rows copied, the old one dropped and
    its indexes made again from their own definitions, on the parent (so on every partition)."""
    bind = op.get_bind()
    indexes = bind.execute(
        sa.text(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE schemaname = current_schema() AND tablename = :table"
            " AND indexname NOT LIKE 'pk\\_%' AND indexname NOT LIKE 'uq\\_%'"
        ),
        {"table": TABLE},
    ).all()
    for name, _ in indexes:
        op.execute(f"DROP INDEX {name}")
    op.execute(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
    op.execute(f"ALTER TABLE {OLD} DROP CONSTRAINT pk_{TABLE}")
    if partitioned:
        op.execute(f"ALTER TABLE {OLD} DROP CONSTRAINT uq_{TABLE}_org_id_external_id")
        op.execute(
            f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS) PARTITION BY RANGE (timestamp)"
        )
        op.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT pk_{TABLE} PRIMARY KEY (id, timestamp)")
        op.execute(f"CREATE TABLE {DEFAULT} PARTITION OF {TABLE} DEFAULT")
        for day in _days_to_partition():
            op.execute(create_day_sql(day))
    else:
        op.execute(f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS)")
        op.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT pk_{TABLE} PRIMARY KEY (id)")
        op.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT uq_{TABLE}_org_id_external_id"
            " UNIQUE (org_id, external_id)"
        )
    op.execute(f"INSERT INTO {TABLE} SELECT * FROM {OLD}")
    op.execute(f"DROP TABLE {OLD} CASCADE")
    for _, definition in indexes:
        op.execute(definition)
    if partitioned:
        op.execute(NAME_INDEXES_SQL)


def _days_to_partition() -> list[date]:
    """The UTC days holding records within DAY_PARTITIONS_BACK of today, and the service's
    window (yesterday to AHEAD_DAYS ahead)."""
    today = datetime.now(UTC).date()
    window = {today + timedelta(days=offset) for offset in range(-1, AHEAD_DAYS + 1)}
    rows = (
        op.get_bind()
        .execute(
            sa.text(
                f"SELECT DISTINCT (timestamp AT TIME ZONE 'UTC')::date FROM {OLD}"
                " WHERE timestamp >= :start AND timestamp < :end"
            ),
            {
                "start": datetime.now(UTC) - DAY_PARTITIONS_BACK,
                "end": datetime.now(UTC) + DAY_PARTITIONS_BACK,
            },
        )
        .scalars()
    )
    return sorted(window | set(rows))
