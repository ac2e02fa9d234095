"""The SQL statements the service runs for a feed page, a search and a summary, run raw.

They mirror `agent_activity.domain.activity_query` / `activity_stats`: a page is the rows of the
scope's index newest first (``limit + 1``, to know ``has_more``); ``total`` and the summaries add
up the hourly rollup rows; a summary's window starts on the hour and its current hour is the
hour's rollup less the (no) records after now. Timing them on the bare driver gives the floor
under each answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from agent_activity.ingest.rollups import hour_of
from bench.storage import RawStore

HOUR = timedelta(hours=1)
MICROSECOND = timedelta(microseconds=1)
PAGE = "SELECT * FROM activity_records WHERE {where} ORDER BY timestamp DESC, id DESC LIMIT ?"
ROLLUP_GROUPS = (
    "SELECT action, resource_type, sum(requests), sum(successes), sum(duration_sum_ms), "
    "sum(duration_count), sum(tokens) FROM activity_rollups WHERE {where} "
    "GROUP BY action, resource_type"
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
    optionally of one action and resource type."""
    where, params = conditions({**scope, **(dimensions or {})})
    if first is not None:
        where += " AND bucket_start >= ?"
        params.append(first)
    if last is not None:
        where += " AND bucket_start < ?"
        params.append(last)
    return await store.fetch(ROLLUP_GROUPS.format(where=where), params)


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
