"""A hot read at the driver's level: a Core select compiled once per dialect, its parameters
and rows converted by the very processors SQLAlchemy would apply, and nothing else in between.

Run through a session, a select of a board read paid for SQLAlchemy's execution machinery
(compiled-cache lookup, execution context, result metadata, a Row per row) three times a
request: 3.6 ms of the board's 4.7 ms of CPU went to its three reads of ~170 rows. Here the
statement is compiled once; a read is one ``exec_driver_sql`` and a tuple per row. Values come
out exactly as SQLAlchemy's own result would give them (its type's result processor), which
the presence tests check field by field on both engines.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.compiler import SQLCompiler

from agent_activity.db.statements import once

Processor = Callable[[Any], Any] | None


class DriverSelect:
    def __init__(self, statement: Select[*tuple[Any, ...]], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if not isinstance(compiled, SQLCompiler) or compiled.positiontup is None:
            raise ValueError(f"{dialect.name} does not take positional parameters")
        self.sql = str(compiled)
        self.names = list(compiled.positiontup)
        # Values the statement carries itself (SQLite's LIMIT comes with an OFFSET of 0).
        self.own_values = {name: compiled.binds[name].value for name in self.names}
        self.binders: list[Processor] = [
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in self.names
        ]
        self.dialect = dialect
        self.types = [column.type.dialect_impl(dialect) for column in statement.selected_columns]
        # Result processors may depend on the driver's type code of each column (asyncpg's
        # numbers do), so they are made from the first result's description.
        self.readers: list[tuple[int, Callable[[Any], Any]]] | None = None

    async def rows(
        self, connection: AsyncConnection, values: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        given = [values[n] if n in values else self.own_values[n] for n in self.names]
        parameters = tuple(
            value if bind is None else bind(value)
            for bind, value in zip(self.binders, given, strict=True)
        )
        result = await connection.exec_driver_sql(self.sql, parameters)
        readers = self.readers
        if readers is None:
            description = result.cursor.description
            processors = [
                kind.result_processor(self.dialect, column[1])
                for kind, column in zip(self.types, description, strict=True)
            ]
            readers = self.readers = [
                (index, processor)
                for index, processor in enumerate(processors)
                if processor is not None
            ]
        if not readers:
            return [tuple(row) for row in result]
        # Only the columns that have a processor are touched: a feed page has 26 columns, of
        # which five (ids, times, JSON) need one.
        rows = []
        for row in result:
            converted = list(row)
            for index, processor in readers:
                converted[index] = processor(converted[index])
            rows.append(tuple(converted))
        return rows


async def read_rows(
    session: AsyncSession,
    key: Hashable,
    build: Callable[[], Select[*tuple[Any, ...]]],
    values: Mapping[str, Any],
) -> list[tuple[Any, ...]]:
    """The rows of the select ``build`` makes (one per ``key``, compiled once per dialect), read
    at the driver's level in the session's transaction."""
    connection = await session.connection()
    dialect = connection.dialect
    query = once(("driver select", key, dialect.name), lambda: DriverSelect(build(), dialect))
    return await query.rows(connection, values)
