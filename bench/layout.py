"""How rows are stored: each column's value exactly as SQLAlchemy writes it, per engine.

`Preparer` turns generated rows (model attribute -> value) into the tuples a raw `executemany`
or `COPY` takes, and their rollup increments (the service's own `aggregate`) into the tuples of
the rollup upsert. It is pure, so a producer process can run it while the harness writes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Uuid
from sqlalchemy import inspect as sa_inspect

from agent_activity.db.base import UTCDateTime
from agent_activity.db.models import ActivityRecord, AgentRun
from agent_activity.ingest.rollups import aggregate, in_lock_order

Converter = Callable[[Any], Any]
Tuples = list[tuple[Any, ...]]


def sqlite_timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%d %H:%M:%S}.{value.microsecond:06d}"


def sqlite_uuid(value: uuid.UUID | str | None) -> str | None:
    if value is None:
        return None
    return value.hex if isinstance(value, uuid.UUID) else uuid.UUID(value).hex


def pg_uuid(value: uuid.UUID | str | None) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(value)


def to_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _identity(value: Any) -> Any:
    return value


def _sqlite_bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


def converter(column_type: Any, dialect: str) -> Converter:
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

    def tuples(self, rows: Sequence[dict[str, Any]]) -> Tuples:
        pairs = list(zip(self.attributes, self.converters, strict=True))
        return [tuple(convert(row.get(key)) for key, convert in pairs) for row in rows]


@dataclass(frozen=True)
class PreparedRecords:
    records: Tuples
    rollups: Tuples


class Preparer:
    """Storage tuples for one engine."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.records = TableLayout.of(ActivityRecord, dialect)
        self.runs = TableLayout.of(AgentRun, dialect)

    def value(self, value: Any) -> Any:
        """A query parameter as the storage holds it (uuids and timestamps differ on SQLite)."""
        if self.dialect == "sqlite":
            if isinstance(value, uuid.UUID):
                return value.hex
            if isinstance(value, datetime):
                return sqlite_timestamp(value)
            if isinstance(value, bool):
                return int(value)
        return value

    def prepare_records(self, rows: Sequence[dict[str, Any]]) -> PreparedRecords:
        return PreparedRecords(self.records.tuples(rows), self.rollup_tuples(rows))

    def prepare_runs(self, rows: Sequence[dict[str, Any]]) -> Tuples:
        return self.runs.tuples(rows)

    def rollup_tuples(self, rows: Sequence[dict[str, Any]]) -> Tuples:
        """The service's own rollup increments for ``rows`` (agent_activity.ingest.rollups), in
        key order as the service writes them."""
        increments = aggregate(rows)
        ordered = ((key, increments[key]) for key in in_lock_order(increments))
        return [
            (
                self.value(org),
                scope,
                scope_id,
                span,
                self.value(bucket),
                action,
                resource,
                int(requests),
                int(successes),
                float(duration_sum),
                int(duration_count),
                int(tokens),
            )
            for (org, scope, scope_id, span, bucket, action, resource), (
                requests,
                successes,
                duration_sum,
                duration_count,
                tokens,
            ) in ordered
        ]
