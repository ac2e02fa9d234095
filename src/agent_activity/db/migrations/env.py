"""Alembic environment: runs on the connection handed over by agent_activity.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

import agent_activity.db.models  # noqa: F401  (registers every table)
from agent_activity.db.base import Base
from agent_activity.db.partitions import include_name

target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `agent-activity migrate`, not the alembic CLI")
run_on(connection)
