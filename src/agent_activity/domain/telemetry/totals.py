"""Per-session metric totals: one row per (session, metric, series), whatever the temporality.

A delta point adds its value. A cumulative point adds what its series grew by since the last
point counted (a new start time means the series restarted: its whole value is new). A point no
newer than the last one counted is an exporter's retry and is skipped, so retries never count
twice. Rows are read, then updated or inserted, in the caller's transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import SessionMetricTotal


class MetricPoint(Protocol):
    @property
    def session_key(self) -> str: ...
    @property
    def metric(self) -> str: ...
    @property
    def series(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def cumulative(self) -> bool: ...
    @property
    def start_ns(self) -> int: ...
    @property
    def time_ns(self) -> int: ...
    @property
    def project_id(self) -> str | None: ...


@dataclass(frozen=True)
class Counted:
    counted: int
    skipped: int


async def add_points(
    session: AsyncSession,
    org_id: uuid.UUID,
    principal_id: str,
    points: list[MetricPoint],
    now: datetime,
) -> Counted:
    keys = {(p.session_key, p.metric, p.series) for p in points}
    rows: dict[tuple[str, str, str], SessionMetricTotal] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), 300):
        found = await session.scalars(
            select(SessionMetricTotal).where(
                SessionMetricTotal.org_id == org_id,
                tuple_(
                    SessionMetricTotal.session_key,
                    SessionMetricTotal.metric,
                    SessionMetricTotal.series,
                ).in_(ordered[start : start + 300]),
            )
        )
        rows.update({(r.session_key, r.metric, r.series): r for r in found})
    counted = skipped = 0
    for point in sorted(points, key=lambda p: p.time_ns):
        key = (point.session_key, point.metric, point.series)
        row = rows.get(key)
        if row is None:
            row = rows[key] = SessionMetricTotal(
                org_id=org_id,
                session_key=point.session_key,
                metric=point.metric,
                series=point.series,
                principal_id=principal_id,
                project_id=point.project_id,
                unit=point.unit or None,
                total=0.0,
                series_start_ns=0,
                series_value=0.0,
                last_point_ns=0,
            )
            session.add(row)
        if point.time_ns and point.time_ns <= row.last_point_ns:
            skipped += 1
            continue
        if not point.cumulative:
            row.total += point.value
        elif point.start_ns == row.series_start_ns:
            row.total += point.value - row.series_value
        else:
            row.total += point.value
        row.series_start_ns, row.series_value = point.start_ns, point.value
        row.last_point_ns = point.time_ns
        row.updated_at = now
        counted += 1
    await session.flush()
    return Counted(counted, skipped)


async def session_totals(
    session: AsyncSession, org_id: uuid.UUID, session_key: str
) -> dict[str, float]:
    """A session's totals by metric, all series added up."""
    rows = await session.execute(
        select(SessionMetricTotal.metric, SessionMetricTotal.total).where(
            SessionMetricTotal.org_id == org_id, SessionMetricTotal.session_key == session_key
        )
    )
    totals: dict[str, float] = {}
    for metric, total in rows:
        totals[metric] = totals.get(metric, 0.0) + total
    return totals
