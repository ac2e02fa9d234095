"""Bulk writes at the driver's level: each value converted once, by its column's type, to exactly
what SQLAlchemy would have stored, and the rows handed to the driver's own ``executemany`` (or
PostgreSQL's ``COPY``).

SQLAlchemy processes every bound value of every row on its way to the driver (type lookups,
processors, the ORM's bulk bookkeeping). For a batch of a thousand records and their two
thousand rollup increments that took longer than SQLite took to store them. A
:class:`BulkStatement` is compiled once per dialect, SQL text and parameter order included; a
batch then costs one conversion per value and one driver call. The benchmark's raw writer uses
the same conversions, and its test reads rows written this way back through the ORM, value for
value, on both engines.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, Uuid
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from agent_activity.db.base import UTCDateTime

Converter = Callable[[Any], Any]
Tuples = list[tuple[Any, ...]]


def sqlite_timestamp(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite text for a UTC time: ``2026-12-01 09:30:00.000000``."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def sqlite_uuid(value: uuid.UUID | str | None) -> str | None:
    if value is None:
        return None
    return value.hex if isinstance(value, uuid.UUID) else uuid.UUID(value).hex


def pg_uuid(value: uuid.UUID | str | None) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(value)


def to_json(value: Any) -> str | None:
    # The same JSON as SQLAlchemy's default encoder but compact; read back, it is equal.
    return None if value is None else orjson.dumps(value).decode()


def _identity(value: Any) -> Any:
    return value


def _sqlite_bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


def converter(column_type: Any, dialect: str) -> Converter:
    """How a value of ``column_type`` reaches the ``dialect``'s driver."""
    sqlite = dialect == "sqlite"
    if isinstance(column_type, Uuid):
        return sqlite_uuid if sqlite else pg_uuid
    if isinstance(column_type, UTCDateTime):
        return sqlite_timestamp if sqlite else _identity
    if isinstance(column_type, JSON):
        return to_json
    if isinstance(column_type, Boolean) and sqlite:
        return _sqlite_bool
    return _identity


def converted(rows: list[list[Any]], converters: Sequence[Converter]) -> Tuples:
    """``rows`` (values in column order) as driver tuples. Most columns pass unchanged, so only
    the few that need a conversion are visited: a third of the cost of converting every value."""
    needed = [(i, convert) for i, convert in enumerate(converters) if convert is not _identity]
    for row in rows:
        for index, convert in needed:
            row[index] = convert(row[index])
    return [tuple(row) for row in rows]


@dataclass(frozen=True)
class TableLayout:
    """A model's table: attribute keys of the rows, column names, and per-column converters."""

    table: str
    attributes: list[str]
    columns: list[str]
    converters: list[Converter]

    @classmethod
    def of(cls, model: type[Any], dialect: str) -> TableLayout:
        attributes = list(sa_inspect(model).column_attrs)
        return cls(
            table=model.__tablename__,
            attributes=[a.key for a in attributes],
            columns=[a.columns[0].name for a in attributes],
            converters=[converter(a.columns[0].type, dialect) for a in attributes],
        )

    @cached_property
    def _pick(self) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
        return itemgetter(*self.attributes)

    def tuples(self, rows: Sequence[Mapping[str, Any]]) -> Tuples:
        try:
            # Rows with every attribute (normalised records): picked in C, a third of the time.
            values = [list(self._pick(row)) for row in rows]
        except KeyError:  # rows that leave some out: those are None
            values = [[row.get(key) for key in self.attributes] for row in rows]
        return converted(values, self.converters)


class BulkStatement:
    """An INSERT (or upsert) compiled for one dialect and a fixed set of columns, run for many
    rows with the driver's executemany. Rows are mappings by column name, unless ``keys`` names
    each column's key in the rows."""

    def __init__(
        self,
        statement: ClauseElement,
        dialect: Dialect,
        columns: Sequence[str],
        keys: Mapping[str, str] | None = None,
    ) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(columns))
        if not isinstance(compiled, SQLCompiler) or compiled.positiontup is None:
            raise ValueError(f"{dialect.name} does not take positional parameters")
        self.sql = str(compiled)
        names = list(compiled.positiontup)
        if len(names) < 2:  # itemgetter of one key gives a value, not a tuple
            raise ValueError("a bulk statement takes at least two columns")
        self.keys = [keys[name] if keys else name for name in names]
        self.converters = [converter(compiled.binds[name].type, dialect.name) for name in names]

    def tuples(self, rows: Sequence[Mapping[str, Any]]) -> Tuples:
        pick = itemgetter(*self.keys)
        return converted([list(pick(row)) for row in rows], self.converters)

    async def execute(self, connection: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            await connection.exec_driver_sql(self.sql, self.tuples(rows))
