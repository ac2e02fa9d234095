"""Run the Alembic history programmatically, on SQLite or PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(slug)s")
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; safe to run on every start and from several processes."""
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Serialise concurrent starts of several processes on one database.
            await connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7423911)")
        await connection.run_sync(_upgrade, revision)


def _current_heads(connection: Connection) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    return set(MigrationContext.configure(connection).get_current_heads())


async def is_up_to_date(engine: AsyncEngine) -> bool:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    async with engine.connect() as connection:
        heads = await connection.run_sync(_current_heads)
    return heads == set(script.get_heads())
