"""Adding a batch's summed counters to rollup rows, creating the rows that are missing, in one
statement for the whole batch.

A rollup write is many rows of one shape. Run as one execution per row (the driver's
executemany) each row paid the statement's own overhead: on PostgreSQL an execution each, on
SQLite a bind, step and reset each. Here the rows travel as one parameter set and the
database loops over them itself: on PostgreSQL as one array per column, expanded by
``unnest``; on SQLite as one JSON array of rows, expanded by ``json_each``. Values are
converted by their column's type exactly as a plain INSERT stores them (db/driver_rows.py), so
the unique key matches the rows written either way.

The rows of a batch must have distinct keys (PostgreSQL refuses to update one row twice in one
statement); callers sum first, which they do anyway. Rows are upserted in the order given, so
callers that sort them keep their lock order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import Table, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from agent_activity.db.driver_rows import converter


class SummedUpsert:
    """``INSERT ... ON CONFLICT (key) DO UPDATE SET counter = counter + new counter`` for every
    column of ``table`` but its surrogate primary key."""

    def __init__(self, table: Table, counters: Sequence[str], dialect: Dialect) -> None:
        key = unique_key(table)
        columns = [column for column in table.columns if not column.primary_key]
        self.names = [column.name for column in columns]
        self.dialect = dialect.name
        self.converters = [converter(column.type, dialect.name) for column in columns]
        quote = dialect.identifier_preparer.quote
        target = quote(table.name)
        listed = ", ".join(quote(name) for name in self.names)
        if self.dialect == "postgresql":
            arrays = ", ".join(
                f"${index}::{column.type.compile(dialect=dialect)}[]"
                for index, column in enumerate(columns, start=1)
            )
            source = f"SELECT * FROM unnest({arrays})"
        else:
            fields = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(columns)))
            # "WHERE true": SQLite's grammar needs it between a SELECT and ON CONFLICT.
            source = f"SELECT {fields} FROM json_each(?) WHERE true"
        added = ", ".join(
            f"{quote(name)} = {target}.{quote(name)} + excluded.{quote(name)}" for name in counters
        )
        conflict = ", ".join(quote(name) for name in key)
        self.sql = (
            f"INSERT INTO {target} ({listed}) {source} "
            f"ON CONFLICT ({conflict}) DO UPDATE SET {added}"
        )

    def parameters(self, rows: Sequence[Mapping[str, Any]]) -> tuple[Any, ...]:
        """The one parameter set of ``rows`` (mappings by column name)."""
        if self.dialect == "postgresql":
            return tuple(
                [convert(row[name]) for row in rows]
                for name, convert in zip(self.names, self.converters, strict=True)
            )
        pairs = list(zip(self.names, self.converters, strict=True))
        values = [[convert(row[name]) for name, convert in pairs] for row in rows]
        return (orjson.dumps(values).decode(),)

    async def execute(self, connection: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            await connection.exec_driver_sql(self.sql, self.parameters(rows))


def unique_key(table: Table) -> list[str]:
    """The columns of ``table``'s one unique constraint: what a row is summed into."""
    (constraint,) = [c for c in table.constraints if isinstance(c, UniqueConstraint)]
    return [column.name for column in constraint.columns]
