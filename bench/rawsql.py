"""The SQL statements the service runs for a feed page, a search and a summary, run raw.

They mirror `agent_activity.domain.activity.query` / `activity_stats`: a page is the rows of the
scope's index newest first (``limit + 1``, to know ``has_more``); ``total`` and the summaries
add up the rollup rows (all-time, day and hour spans, as the service picks them); a summary's
window starts on the hour and its current hour is the hour's rollup less the (no) records after
now. Timing them on the bare driver gives the floor under each answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from agent_activity.domain.activity.rollups import hour_of
from agent_activity.domain.activity.summaries import spans_covering
from bench.storage import RawStore

HOUR = timedelta(hours=1)
MICROSECOND = timedelta(microseconds=1)
PAGE = "SELECT * FROM activity_records WHERE {where} ORDER BY timestamp DESC, id DESC LIMIT ?"
ROLLUP_ROWS = (
    "SELECT action, resource_type, requests, successes, duration_sum_ms, duration_count, tokens "
    "FROM activity_rollups WHERE {where}"
)
ROLLUP_GROUPS = (
    "SELECT action, resource_type, sum(requests), sum(successes), sum(duration_sum_ms), "
    "sum(duration_count), sum(tokens) FROM ({rows}) AS spans GROUP BY action, resource_type"
)
RAW_GROUPS = (
    "SELECT action, resource_type, count(*), sum(CASE WHEN success THEN 1 ELSE 0 END), "
    "sum(duration_ms), count(duration_ms), sum(total_tokens) FROM activity_records "
    "WHERE {where} GROUP BY action, resource_type"
)


def conditions(filters: dict[str, Any]) -> tuple[str, list[Any]]:
    """``column = ?`` for each filter, in order, joined with AND."""
    return " AND ".join(f"{column} = ?" for column in filters), list(filters.values())


async def page(
    store: RawStore,
    filters: dict[str, Any],
    limit: int,
    after: Sequence[Any] | None = None,
) -> list[Sequence[Any]]:
    where, params = conditions(filters)
    if after is not None:
        where += " AND (timestamp, id) < (?, ?)"
        params += list(after)
    return await store.fetch(PAGE.format(where=where), [*params, limit + 1])


async def rollup_groups(
    store: RawStore,
    scope: dict[str, Any],
    first: datetime | None = None,
    last: datetime | None = None,
    dimensions: dict[str, str] | None = None,
) -> list[Sequence[Any]]:
    """Sums of one rollup scope (org_id, scope_type, scope_id) over whole hours [first, last),
    optionally of one action and resource type: one SELECT per span the service reads
    (`spans_covering`), joined with UNION ALL as the service does."""
    selects: list[str] = []
    params: list[Any] = []
    for span, low, high in spans_covering(first, last):
        where, values = conditions({**scope, **(dimensions or {}), "span": span})
        if low is not None:
            where += " AND bucket_start >= ?"
            values.append(low)
        if high is not None:
            where += " AND bucket_start < ?"
            values.append(high)
        selects.append(ROLLUP_ROWS.format(where=where))
        params += values
    return await store.fetch(ROLLUP_GROUPS.format(rows=" UNION ALL ".join(selects)), params)


async def raw_groups(
    store: RawStore, filters: dict[str, Any], start: datetime, end: datetime
) -> list[Sequence[Any]]:
    where, params = conditions(filters)
    where += " AND timestamp >= ? AND timestamp < ?"
    return await store.fetch(RAW_GROUPS.format(where=where), [*params, start, end])


async def summary_stats(
    store: RawStore, scope: dict[str, Any], filters: dict[str, Any], now: datetime, hours: int
) -> list[Sequence[Any]]:
    """A summary's numbers as the service reads them: its window starts on the hour, so the
    whole hours and the current hour come from the rollups, less the raw records after ``now``
    in the current hour (an index probe that finds none)."""
    start = hour_of(now - timedelta(hours=hours))
    end = now + MICROSECOND
    current = hour_of(end)
    rows = list(await rollup_groups(store, scope, start, current + HOUR))
    rows += await raw_groups(store, filters, end, current + HOUR)
    return rows
