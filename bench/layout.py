"""How rows are stored: each column's value exactly as SQLAlchemy writes it, per engine.

`Preparer` turns generated rows (model attribute -> value) into the tuples a raw `executemany`
or `COPY` takes, with the service's own conversions (`agent_activity.db.driver_rows`), and
their rollup increments (the service's own `aggregate`) into the tuples of the rollup upsert.
It is pure, so a producer process can run it while the harness writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent_activity.db.driver_rows import TableLayout, Tuples, sqlite_timestamp
from agent_activity.db.models import ActivityRecord, AgentRun
from agent_activity.domain.activity.rollups import aggregate, in_lock_order


@dataclass(frozen=True)
class PreparedRecords:
    records: Tuples
    rollups: Tuples
    # The records attributed to a ticket, as rows, for the ticket rollups' own writer.
    ticket_rows: Sequence[dict[str, Any]] = ()


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
        attributed = [row for row in rows if row.get("ticket_id")]
        return PreparedRecords(self.records.tuples(rows), self.rollup_tuples(rows), attributed)

    def prepare_runs(self, rows: Sequence[dict[str, Any]]) -> Tuples:
        return self.runs.tuples(rows)

    def rollup_tuples(self, rows: Sequence[dict[str, Any]]) -> Tuples:
        """The service's own rollup increments for ``rows`` (domain/activity/rollups.py),
        in key order as the service writes them."""
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
