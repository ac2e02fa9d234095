"""Run counts by agent, trigger, status and day, kept by triggers on ``agent_runs``.

The runs list's ``total_items`` adds up these rows instead of counting the runs. Triggers (not
the service's code) keep them, so runs written by any path stay counted: the API, the demo, a
bulk load, a fix made in SQL. Counts already there are filled from the existing runs.

A deleted run only decrements its row, never inserts one: when an agent is deleted its counts
go by cascade, possibly before its runs, and an insert would then name a deleted agent.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY_COLUMNS = ["agent_id", "trigger_type", "status", "created_day", "started_day", "completed_day"]
KEY = ", ".join(KEY_COLUMNS)
WATCHED = "agent_id, trigger_type, status, created_on, started_on, completed_on"
NOT_YET = "0001-01-02"  # db.models.NOT_YET


def key_values(dialect: str, row: str) -> list[str]:
    """The key values of run ``row`` (NEW, OLD, or a table name), in KEY's order."""
    if dialect == "sqlite":  # timestamps are 'YYYY-MM-DD HH:MM:SS.ffffff' text, in UTC

        def day(column: str) -> str:
            return f"coalesce(substr({row}.{column}, 1, 10), '{NOT_YET}')"

    else:

        def day(column: str) -> str:
            return f"coalesce(({row}.{column} AT TIME ZONE 'UTC')::date, DATE '{NOT_YET}')"

    days = [day(column) for column in ("created_on", "started_on", "completed_on")]
    return [f"{row}.agent_id", f"{row}.trigger_type", f"{row}.status", *days]


def listed(dialect: str, row: str) -> str:
    return ", ".join(key_values(dialect, row))


def matches(dialect: str, row: str) -> str:
    """The WHERE condition selecting the counts row of run ``row``."""
    pairs = zip(KEY_COLUMNS, key_values(dialect, row), strict=True)
    return " AND ".join(f"{name} = {value}" for name, value in pairs)


def increment(dialect: str, row: str) -> str:
    table = "agent_run_counts." if dialect == "postgresql" else ""
    return (
        f"INSERT INTO agent_run_counts ({KEY}, runs) VALUES ({listed(dialect, row)}, 1) "
        f"ON CONFLICT ({KEY}) DO UPDATE SET runs = {table}runs + 1"
    )


def decrement(dialect: str, row: str) -> str:
    return f"UPDATE agent_run_counts SET runs = runs - 1 WHERE {matches(dialect, row)}"


def create_sqlite_triggers() -> None:
    op.execute(
        "CREATE TRIGGER agent_runs_count_insert AFTER INSERT ON agent_runs "
        f"BEGIN {increment('sqlite', 'NEW')}; END"
    )
    op.execute(
        "CREATE TRIGGER agent_runs_count_delete AFTER DELETE ON agent_runs "
        f"BEGIN {decrement('sqlite', 'OLD')}; END"
    )
    op.execute(
        f"CREATE TRIGGER agent_runs_count_update AFTER UPDATE OF {WATCHED} ON agent_runs "
        f"BEGIN {decrement('sqlite', 'OLD')}; {increment('sqlite', 'NEW')}; END"
    )


def create_postgresql_triggers() -> None:
    op.execute(
        "CREATE FUNCTION agent_runs_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {decrement('postgresql', 'OLD')}; END IF; "
        f"IF TG_OP IN ('UPDATE', 'INSERT') THEN {increment('postgresql', 'NEW')}; END IF; "
        "RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER agent_runs_count AFTER INSERT OR DELETE OR UPDATE OF "
        f"{WATCHED} ON agent_runs FOR EACH ROW EXECUTE FUNCTION agent_runs_count()"
    )


def upgrade() -> None:
    op.create_table(
        "agent_run_counts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=False),
        sa.Column("trigger_type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_day", sa.Date(), nullable=False),
        sa.Column("started_day", sa.Date(), nullable=False),
        sa.Column("completed_day", sa.Date(), nullable=False),
        sa.Column("runs", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_agent_run_counts_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_run_counts")),
        sa.UniqueConstraint(*KEY_COLUMNS, name="uq_agent_run_counts_key"),
    )
    dialect = op.get_bind().dialect.name
    op.execute(
        f"INSERT INTO agent_run_counts ({KEY}, runs) "
        f"SELECT {listed(dialect, 'agent_runs')}, count(*) FROM agent_runs "
        f"GROUP BY {listed(dialect, 'agent_runs')}"
    )
    if dialect == "sqlite":
        create_sqlite_triggers()
    else:
        create_postgresql_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER agent_runs_count_{event}")
    else:
        op.execute("DROP TRIGGER agent_runs_count ON agent_runs")
        op.execute("DROP FUNCTION agent_runs_count()")
    op.drop_table("agent_run_counts")
