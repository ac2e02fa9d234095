"""Writing activity records. Every path that stores records (ingest API, request log, MCP, runs,
demo) goes through write_activity_records, so rollups can never drift from the raw log: both are
written in the caller's transaction, and either both commit or neither does.
"""

from __future__ import annotations

import functools
import uuid
from datetime import UTC
from typing import Any, cast

import asyncpg
import orjson
from sqlalchemy import Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from agent_activity.db.base import new_id, utcnow
from agent_activity.db.driver_rows import BulkStatement, TableLayout
from agent_activity.db.models import ActivityRecord
from agent_activity.domain.activity.ids import record_id
from agent_activity.domain.activity.rollups import add_to_rollups
from agent_activity.domain.activity.seals import new_batch, seal_batch
from agent_activity.domain.tickets import rollup as ticket_usage

# Every column, by attribute name, with the value a record gets when it does not say.
DEFAULTS: dict[str, Any] = {
    name: None
    for name in ActivityRecord.__mapper__.attrs.keys()  # noqa: SIM118
}
DEFAULTS.update(success=True, total_tokens=None, via_dashboard=False)
# Dimensions rolled up with '' for "absent": '' and None must mean the same thing in the log too.
BLANK_IS_NONE = ("workspace_id", "user_id", "app_id", "endpoint_id", "action", "resource_type")


def total_tokens_of(token_usage: dict[str, Any] | None) -> int:
    """The tokens a record used: its ``total_tokens`` entry if it has one, else the sum of all
    integer entries (so ``{input_tokens, output_tokens, total_tokens}`` is not counted twice)."""
    if not token_usage:
        return 0
    total = token_usage.get("total_tokens")
    if isinstance(total, int) and not isinstance(total, bool):
        return total
    return sum(v for v in token_usage.values() if isinstance(v, int) and not isinstance(v, bool))


_TABLE: Table = cast(Table, ActivityRecord.__table__)
# Attribute name -> column name; they differ where a column name is reserved by the ORM.
_COLUMN_OF = {attr.key: attr.columns[0].name for attr in ActivityRecord.__mapper__.column_attrs}
_ATTRIBUTE_OF = {column: attribute for attribute, column in _COLUMN_OF.items()}


def normalise(record: dict[str, Any]) -> dict[str, Any]:
    """A full row: every column present (one executemany batch), defaults filled, UTC times."""
    unknown = record.keys() - DEFAULTS.keys()
    if unknown:
        raise ValueError(f"not ActivityRecord columns: {', '.join(sorted(unknown))}")
    row = {**DEFAULTS, **record}
    now = utcnow()
    row["timestamp"] = (row["timestamp"] or now).astimezone(UTC)
    if row["id"] is None:
        external_id = row["external_id"]
        row["id"] = (
            new_id()
            if external_id is None
            else record_id(row["org_id"], external_id, row["timestamp"])
        )
    row["received_at"] = (row["received_at"] or now).astimezone(UTC)
    for name in BLANK_IS_NONE:
        if row[name] == "":
            row[name] = None
    if row["total_tokens"] is None:
        row["total_tokens"] = total_tokens_of(row["token_usage"])
    row["success"] = bool(row["success"])
    row["via_dashboard"] = bool(row["via_dashboard"])
    if may_hold_nul(row):
        for name, value in row.items():
            if isinstance(value, str | dict | list) and holds_nul(value):
                row[name] = without_nul(value)
    return row


def may_hold_nul(row: dict[str, Any]) -> bool:
    """False only when no string of ``row`` (value or key, however deep) holds a NUL: orjson
    writes every NUL as ``\\u0000``, so one dump in C answers for the whole row. A row it cannot
    write, or one that merely holds that text, is walked by :func:`holds_nul`."""
    try:
        return b"\\u0000" in orjson.dumps(row)
    except orjson.JSONEncodeError:
        return True


def holds_nul(value: Any) -> bool:
    """Whether ``value`` needs ``without_nul``: asked first, so a record without NUL (all but
    a stray one) keeps its JSON objects as they are instead of being copied."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(key) or holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(holds_nul(item) for item in value)
    return False


def without_nul(value: Any) -> Any:
    """``value`` with every NUL character (in strings and keys) replaced by U+FFFD.
    PostgreSQL's text and JSON refuse NUL; the APIs refuse it in what they are sent, but a
    record the service makes itself (a request path, an MCP argument) may hold one, and a
    single such record must not cost its whole batch."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value


async def write_activity_records(
    session: AsyncSession, records: list[dict[str, Any]], *, ticket_rollups: bool = True
) -> int:
    """Insert ``records`` (column attribute name -> value) and add them to the rollups, in the
    caller's transaction; returns how many were written. ``ticket_rollups=False`` is only for
    the benchmark that measures what they cost (bench/scenarios/ticket_rollups.py)."""
    if not records:
        return 0
    rows = [normalise(record) for record in records]
    batches = by_org(rows)
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await copy_records(connection, rows)
    else:
        # The driver's executemany on converted tuples (see db/driver_rows.py).
        await _bulk_insert(connection.dialect).execute(connection, rows)
    # The rollups last: concurrent batches of one org update the same rollup rows, and on
    # PostgreSQL each holds those rows' locks from its upsert to its commit; kept short here.
    await add_to_rollups(connection, rows)
    if ticket_rollups:
        await ticket_usage.add_records(connection, rows)
    # The seals very last: each org's chain head is locked from here to the commit.
    now = utcnow()
    for org_id, org_rows in batches.items():
        await seal_batch(connection, org_id, org_rows[0]["seal_batch"], org_rows, now)
    return len(rows)


def by_org(rows: list[dict[str, Any]]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """The rows of each org, each org's marked with a batch of its own for its seal."""
    batches: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for row in rows:
        batches.setdefault(row["org_id"], []).append(row)
    for org_rows in batches.values():
        batch = new_batch()
        for row in org_rows:
            row["seal_batch"] = batch
    return batches


@functools.lru_cache(maxsize=4)
def _bulk_insert(dialect: Dialect) -> BulkStatement:
    # Compiled once per dialect: its SQL text and parameter order never change.
    return BulkStatement(insert(_TABLE), dialect, list(_ATTRIBUTE_OF), _ATTRIBUTE_OF)


@functools.cache
def _copy_layout() -> TableLayout:
    return TableLayout.of(ActivityRecord, "postgresql")


async def copy_records(connection: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL's own bulk path, ``COPY``, through the driver: for a batch of records it costs
    the server and the driver far less than an INSERT per row. It runs in the connection's
    transaction, begun here if no statement has begun it yet. Driver errors are raised as
    SQLAlchemy's, so callers handle a unique-key collision or a lost connection as they would
    from an INSERT."""
    driver = (await connection.get_raw_connection()).driver_connection
    if driver is None:
        raise RuntimeError("copy_records needs a PostgreSQL (asyncpg) connection")
    if not driver.is_in_transaction():
        # SQLAlchemy begins its transaction lazily, at the first statement; a COPY on its own
        # would commit by itself, outside the caller's all-or-nothing.
        await connection.exec_driver_sql("SELECT 1")
    layout = _copy_layout()
    try:
        await driver.copy_records_to_table(
            layout.table, records=layout.tuples(rows), columns=layout.columns
        )
    except asyncpg.IntegrityConstraintViolationError as error:
        raise IntegrityError(f"COPY {layout.table}", None, error) from error
    except asyncpg.DataError as error:  # a value the column refuses: no retry changes it
        raise DataError(f"COPY {layout.table}", None, error) from error
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as error:
        raise OperationalError(f"COPY {layout.table}", None, error) from error
