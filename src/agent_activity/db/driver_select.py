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

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Select, func, select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.visitors import replacement_traverse

from agent_activity.db.sqlite_driver import OneHopConnection
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

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """The statement's positional parameters, converted for the driver."""
        given = [values[n] if n in values else self.own_values[n] for n in self.names]
        return tuple(
            value if bind is None else bind(value)
            for bind, value in zip(self.binders, given, strict=True)
        )

    async def rows(
        self, connection: AsyncConnection, values: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        result = await connection.exec_driver_sql(self.sql, self.parameters(values))
        return self.convert(result.cursor.description, result)

    def convert(self, description: Any, rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
        """The driver's ``rows`` as SQLAlchemy's result would give them."""
        readers = self.readers
        if readers is None:
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
            return [tuple(row) for row in rows]
        # Only the columns that have a processor are touched: a feed page has 26 columns, of
        # which five (ids, times, JSON) need one.
        converted_rows = []
        for row in rows:
            converted = list(row)
            for index, processor in readers:
                converted[index] = processor(converted[index])
            converted_rows.append(tuple(converted))
        return converted_rows


async def read_rows(
    session: AsyncSession,
    key: Hashable,
    build: Callable[[], Select[*tuple[Any, ...]]],
    values: Mapping[str, Any],
) -> list[tuple[Any, ...]]:
    """The rows of the select ``build`` makes (one per ``key``, compiled once per dialect), read
    at the driver's level in the session's transaction."""
    connection = await session.connection()
    query = driver_select(Read(key, build, values), connection.dialect)
    return await query.rows(connection, values)


@dataclass(frozen=True)
class Read:
    """One select of :func:`read_many`: its cache key, how to build it, its values."""

    key: Hashable
    build: Callable[[], Select[*tuple[Any, ...]]]
    values: Mapping[str, Any]


def driver_select(read: Read, dialect: Dialect) -> DriverSelect:
    return once(
        ("driver select", read.key, dialect.name), lambda: DriverSelect(read.build(), dialect)
    )


async def read_many(session: AsyncSession, *reads: Read) -> list[list[tuple[Any, ...]]]:
    """The rows of several selects, in one round trip to the database.

    Each trip is a turn of the event loop, during which every other ready request runs first:
    under load a read of three statements waited three times. SQLite's connection thread runs
    them in one visit; PostgreSQL gets them as one statement (see :class:`CombinedSelect`).
    """
    connection = await session.connection()
    dialect = connection.dialect
    queries = [(driver_select(read, dialect), read.values) for read in reads]
    raw = (await connection.get_raw_connection()).dbapi_connection
    if isinstance(raw, OneHopConnection):
        outcomes = await raw.run_all(
            [(query.sql, query.parameters(values)) for query, values in queries]
        )
        return [
            query.convert(description, rows)
            for (query, _), (description, rows) in zip(queries, outcomes, strict=True)
        ]
    learnt = all(query.readers is not None for query, _ in queries)
    if len(reads) > 1 and dialect.name == "postgresql" and learnt:
        combined = once(
            ("combined select", tuple(read.key for read in reads), dialect.name),
            lambda: CombinedSelect(reads, dialect),
        )
        return await combined.rows(connection, queries)
    # One at a time: also the first time a select runs, which learns its columns' processors
    # from the driver's description of them.
    return [await query.rows(connection, values) for query, values in queries]


class CombinedSelect:
    """Several selects as one PostgreSQL statement of one row: each select's rows become an
    array of records, ``SELECT array((SELECT row(a, b, ...) FROM ... ORDER BY ...)), ...``.

    asyncpg decodes such a record field by field with the codecs of the fields' types, so each
    select's rows convert as its own result would (its processors, learnt from a run of its
    own first). An ``ORDER BY`` and ``LIMIT`` stay in the select whose rows they order, so the
    array keeps their order. Each select's parameters are renamed apart (``s0_limit``,
    ``s1_limit``) since two selects may bind one name to different values.
    """

    def __init__(self, reads: Sequence[Read], dialect: Dialect) -> None:
        arrays = []
        for index, read in enumerate(reads):
            statement = _binds_renamed(read.build(), _prefix(index))
            rows = statement.with_only_columns(
                func.row(*statement.selected_columns), maintain_column_froms=True
            )
            arrays.append(func.array(rows.scalar_subquery()))
        self.statement = DriverSelect(select(*arrays), dialect)

    async def rows(
        self,
        connection: AsyncConnection,
        queries: Sequence[tuple[DriverSelect, Mapping[str, Any]]],
    ) -> list[list[tuple[Any, ...]]]:
        values = {
            _prefix(index) + name: value
            for index, (_, own) in enumerate(queries)
            for name, value in own.items()
        }
        (arrays,) = await self.statement.rows(connection, values)
        return [
            query.convert(None, records)
            for (query, _), records in zip(queries, arrays, strict=True)
        ]


def _prefix(index: int) -> str:
    return f"s{index}_"


def _binds_renamed(statement: Select[*tuple[Any, ...]], prefix: str) -> Select[*tuple[Any, ...]]:
    """``statement`` with each named parameter renamed ``prefix + name`` (anonymous ones, which
    carry their own values, are unique already)."""

    def rename(element: Any, **_: Any) -> Any:
        if isinstance(element, BindParameter) and not element.unique:
            return BindParameter(
                prefix + element.key,
                element.value,
                type_=element.type,
                required=element.required,
                callable_=element.callable,
            )
        return None

    return cast(Select[*tuple[Any, ...]], replacement_traverse(statement, {}, rename))
