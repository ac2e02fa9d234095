"""How many of an agent's runs match a filter, from ``agent_run_counts`` rather than the runs.

The counts table holds, per agent, one row per (trigger, status, UTC day created, day started,
day completed) with its number of runs: a few hundred rows for an agent with 100,000 runs over
a month. Statuses, ``has_started`` / ``has_completed`` and date ranges on whole UTC days are
conditions on those rows. A range bound inside a day leaves that day partly in and partly
out; such an edge day is counted from the runs themselves, through the index of its timestamp
(a day's runs at most).

When bounds fall inside days on two or more timestamps, the edges overlap in ways one pass of
the counts cannot separate, and the runs are counted directly.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import NOT_YET, AgentRun, AgentRunCount
from agent_activity.domain.runs.filters import RunFilter, conditions

C = AgentRunCount
TIMESTAMPS = ("started_on", "completed_on", "created_on")
DAY_COLUMN = {
    "started_on": C.started_day,
    "completed_on": C.completed_day,
    "created_on": C.created_day,
}
ONE_DAY = timedelta(days=1)
ALL = "*"  # the one key of counts not split by trigger
LAST_MOMENT = time(23, 59, 59, 999999)


@dataclass(frozen=True)
class DayRange:
    """The whole UTC days inside one timestamp's [low, high] bounds, and the partial edges."""

    first: date | None  # first whole day, None: unbounded below
    last: date | None  # last whole day, None: unbounded above
    low_edge: tuple[datetime, datetime] | None  # [low, end of its day], when low is mid-day
    high_edge: tuple[datetime, datetime] | None  # [start of its day, high], when high is mid-day

    @property
    def partial(self) -> bool:
        return self.low_edge is not None or self.high_edge is not None

    @property
    def empty(self) -> bool:
        return self.first is not None and self.last is not None and self.first > self.last


def day_range(low: datetime | None, high: datetime | None) -> DayRange:
    """Split the inclusive bounds [low, high] into whole days and the edge days' parts."""
    first = last = None
    low_edge = high_edge = None
    no_whole_day = False
    if low is not None:
        low = low.astimezone(UTC)
        first = low.date()
        if low.time() != time(0):
            low_edge = (low, datetime.combine(low.date(), LAST_MOMENT, UTC))
            no_whole_day = first == date.max
            first = first if no_whole_day else first + ONE_DAY
    if high is not None:
        high = high.astimezone(UTC)
        last = high.date()
        if high.time() != LAST_MOMENT:
            high_edge = (datetime.combine(high.date(), time(0), UTC), high)
            no_whole_day = no_whole_day or last == date.min
            last = last if last == date.min else last - ONE_DAY
    if no_whole_day:
        # A bound inside the calendar's first or last day leaves no whole day (and no date
        # beyond it to step to): the day part is empty, the edges count what is in range.
        first, last = date.max, date.min
    if low_edge and high_edge and low_edge[0].date() == high_edge[0].date():
        # Both bounds inside the same day: one edge, the whole range.
        assert low is not None and high is not None
        return DayRange(first, last, (low, high), None)
    return DayRange(first, last, low_edge, high_edge)


async def count_runs(session: AsyncSession, agent_id: uuid.UUID, where: RunFilter) -> int:
    """How many runs of ``agent_id`` match ``where``."""
    return sum((await _counts(session, agent_id, where, by_trigger=False)).values())


async def count_runs_by_trigger(
    session: AsyncSession, agent_id: uuid.UUID, where: RunFilter
) -> dict[str, int]:
    """How many runs of ``agent_id`` match ``where``, per trigger type (those with any)."""
    return await _counts(session, agent_id, where, by_trigger=True)


async def _counts(
    session: AsyncSession, agent_id: uuid.UUID, where: RunFilter, *, by_trigger: bool
) -> dict[str, int]:
    ranges = {
        name: day_range(getattr(where, f"{name}_from"), getattr(where, f"{name}_to"))
        for name in TIMESTAMPS
    }
    partial = [name for name, found in ranges.items() if found.partial]
    if len(partial) > 1:
        return await count_directly(session, agent_id, where, by_trigger=by_trigger)
    totals = await _from_counts(session, agent_id, where, ranges, by_trigger)
    for name in partial:
        found = ranges[name]
        for edge in (found.low_edge, found.high_edge):
            if edge is not None:
                edge_where = narrowed(where, name, edge)
                counted = await count_directly(session, agent_id, edge_where, by_trigger=by_trigger)
                for trigger, runs in counted.items():
                    totals[trigger] = totals.get(trigger, 0) + runs
    return {trigger: runs for trigger, runs in sorted(totals.items()) if runs}


def narrowed(where: RunFilter, name: str, edge: tuple[datetime, datetime]) -> RunFilter:
    """``where`` with timestamp ``name`` bounded to ``edge`` (inside its original bounds)."""
    bounds: dict[str, Any] = {f"{name}_from": edge[0], f"{name}_to": edge[1]}
    return replace(where, **bounds)


async def _from_counts(
    session: AsyncSession,
    agent_id: uuid.UUID,
    where: RunFilter,
    ranges: dict[str, DayRange],
    by_trigger: bool,
) -> dict[str, int]:
    if any(found.empty for found in ranges.values()):
        return {}
    conditions: list[ColumnElement[bool]] = [C.agent_id == agent_id]
    if where.statuses:
        conditions.append(C.status.in_(where.statuses))
    if where.has_started is not None:
        started = C.started_day != NOT_YET
        conditions.append(started if where.has_started else C.started_day == NOT_YET)
    if where.has_completed is not None:
        done = C.completed_day != NOT_YET
        conditions.append(done if where.has_completed else C.completed_day == NOT_YET)
    for name, found in ranges.items():
        column = DAY_COLUMN[name]
        if found.first is not None or found.last is not None:
            conditions.append(column != NOT_YET)  # a range excludes runs without the timestamp
        if found.first is not None:
            conditions.append(column >= found.first)
        if found.last is not None:
            conditions.append(column <= found.last)
    key = C.trigger_type if by_trigger else literal(ALL)
    rows = await session.execute(select(key, func.sum(C.runs)).where(*conditions).group_by(key))
    return {trigger: int(runs) for trigger, runs in rows if runs}


async def count_directly(
    session: AsyncSession, agent_id: uuid.UUID, where: RunFilter, *, by_trigger: bool
) -> dict[str, int]:
    """Count the runs themselves, per trigger type or in all (``ALL``). In all, the count reads
    one of the list's covering indexes alone; per trigger it also reads the runs."""
    where_sql = conditions(agent_id, where)
    if not by_trigger:
        total = await session.scalar(select(func.count()).select_from(AgentRun).where(*where_sql))
        return {ALL: int(total)} if total else {}
    statement = (
        select(AgentRun.trigger_type, func.count())
        .where(*where_sql)
        .group_by(AgentRun.trigger_type)
    )
    return {trigger: int(runs) for trigger, runs in await session.execute(statement)}
