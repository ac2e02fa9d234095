"""Rollups of the activity log, kept in step with every written batch.

Each record adds one count to one row per scope it belongs to and per span: its hour, its UTC
day and all time. A row is keyed by (org, scope type, scope id, span, bucket start, action,
resource type), with '' for an absent action or resource type so the unique key also works for
upserts. Three spans keep every read short: a feed's ``total`` is the all-time row per action
and resource type (a few dozen rows however long the log), and a 168-hour summary reads six or
seven days and at most two days' worth of hours instead of 168 hours. The scopes are exactly the
sets the summaries and feed totals read, so reading a rollup gives the same answer as scanning
the raw records:

- ``org``: every record of the org;
- ``workspace``: records with that ``workspace_id``;
- ``user``: records with that ``user_id`` (across workspaces);
- ``app``: records with that ``app_id`` (the dashboard's per-app chart);
- ``endpoint``: records with that (``workspace_id``, ``app_id``, ``endpoint_id``), keyed by
  :func:`endpoint_key`, because the endpoint summary is addressed by all three;
- ``dash-org``, ``dash-workspace``, ...: the same scopes again for the dashboard's own reads
  alone, so a feed that leaves them out counts its total as the scope's less these.

A batch is first summed in memory, then written with one upsert statement for all its rows, in
key order so concurrent writers on PostgreSQL take row locks in the same order and cannot
deadlock.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from agent_activity.db.models import ActivityRollup
from agent_activity.db.summed_upsert import SummedUpsert

SCOPES = ("org", "workspace", "user", "app", "endpoint")
# The scope type under which the dashboard's own reads of a scope are counted once more.
DASHBOARD_PREFIX = "dash-"

SPANS = ("hour", "day", "all")
# The one bucket of the "all" span: every record is later than it.
ALL_TIME = datetime(1970, 1, 1, tzinfo=UTC)

Key = tuple[uuid.UUID, str, str, str, datetime, str, str]


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def day_of(moment: datetime) -> datetime:
    """The start of the UTC day ``moment`` (a UTC datetime) falls in."""
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def endpoint_key(workspace_id: str | None, app_id: str | None, endpoint_id: str) -> str:
    """The scope id of one endpoint: a digest, since three ids do not fit in 64 characters."""
    joined = "\x1f".join((workspace_id or "", app_id or "", endpoint_id))
    return hashlib.sha256(joined.encode()).hexdigest()


def scopes_of(record: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    """The (scope type, scope id) pairs a record counts towards."""
    yield "org", str(record["org_id"])
    if record["workspace_id"]:
        yield "workspace", record["workspace_id"]
    if record["user_id"]:
        yield "user", record["user_id"]
    if record["app_id"]:
        yield "app", record["app_id"]
    if record["endpoint_id"]:
        yield (
            "endpoint",
            endpoint_key(record["workspace_id"], record["app_id"], record["endpoint_id"]),
        )


def all_scopes_of(record: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    """:func:`scopes_of`, and for a dashboard read each scope once more as ``dash-<scope>``."""
    for scope_type, scope_id in scopes_of(record):
        yield scope_type, scope_id
        if record.get("via_dashboard"):
            yield DASHBOARD_PREFIX + scope_type, scope_id


def aggregate(records: Iterable[Mapping[str, Any]]) -> dict[Key, list[float]]:
    """Sum records into rollup rows: key -> [requests, successes, duration sum, count, tokens],
    for every span."""
    hours = _hourly(records)
    sums: dict[Key, list[float]] = dict(hours)
    # The longer spans add up the hours: a batch has far fewer hour rows than records.
    for (org_id, scope_type, scope_id, _, hour, action, resource_type), row in hours.items():
        for span, bucket in (("day", day_of(hour)), ("all", ALL_TIME)):
            add_counts(
                sums, (org_id, scope_type, scope_id, span, bucket, action, resource_type), row
            )
    return sums


def add_counts(sums: dict[Key, list[float]], key: Key, counts: list[float]) -> None:
    total = sums.get(key)
    if total is None:
        sums[key] = list(counts)
    else:
        for index, value in enumerate(counts):
            total[index] += value


def _hourly(records: Iterable[Mapping[str, Any]]) -> dict[Key, list[float]]:
    # Records are first summed per (org, dimensions, hour, action, resource type), then each
    # group is spread over its scopes: a batch has far fewer groups than records (a request
    # log batch, a handful), so the per-record work is one key and one lookup, whatever the
    # number of scopes (half the time of summing every record into every scope).
    groups: dict[tuple[Any, ...], list[float]] = {}
    for record in records:
        group = (
            record["org_id"],
            record["workspace_id"],
            record["user_id"],
            record["app_id"],
            record["endpoint_id"],
            hour_of(record["timestamp"]),
            record["action"] or "",
            record["resource_type"] or "",
            bool(record.get("via_dashboard")),
        )
        row = groups.get(group)
        if row is None:
            row = groups[group] = [0, 0, 0.0, 0, 0]
        row[0] += 1
        if record["success"]:
            row[1] += 1
        duration = record["duration_ms"]
        if duration is not None:
            row[2] += duration
            row[3] += 1
        row[4] += record["total_tokens"]
    sums: dict[Key, list[float]] = {}
    for group, counts in groups.items():
        org_id, workspace_id, user_id, app_id, endpoint_id, hour, action, resource_type, own = group
        dimensions = {
            "org_id": org_id,
            "workspace_id": workspace_id,
            "user_id": user_id,
            "app_id": app_id,
            "endpoint_id": endpoint_id,
            "via_dashboard": own,
        }
        for scope_type, scope_id in all_scopes_of(dimensions):
            add_counts(
                sums, (org_id, scope_type, scope_id, "hour", hour, action, resource_type), counts
            )
    return sums


async def add_to_rollups(connection: AsyncConnection, records: Iterable[Mapping[str, Any]]) -> None:
    """Add ``records`` to the rollups, in the connection's transaction."""
    await upsert_sums(connection, aggregate(records))


async def remove_from_all_time(
    connection: AsyncConnection, records: Iterable[Mapping[str, Any]]
) -> None:
    """Take ``records`` (removed by retention) out of the all-time rows. Their hour and day rows
    are all older than retention's cutoff, a day boundary, and are dropped whole instead."""
    removed = {
        key: [-value for value in counts]
        for key, counts in aggregate(records).items()
        if key[3] == "all"
    }
    await upsert_sums(connection, removed)


async def upsert_sums(connection: AsyncConnection, sums: dict[Key, list[float]]) -> None:
    """Add ``sums`` to their rollup rows, creating the rows that are missing."""
    if not sums:
        return
    rows = [_row(key, sums[key]) for key in in_lock_order(sums)]
    await _summed_upsert(connection.dialect).execute(connection, rows)


# Built once per dialect: its SQL text and parameter order never change.
@functools.lru_cache(maxsize=4)
def _summed_upsert(dialect: Dialect) -> SummedUpsert:
    # One statement for the whole batch (db/summed_upsert.py).
    return SummedUpsert(cast(Table, ActivityRollup.__table__), COUNTERS, dialect)


def in_lock_order(sums: Mapping[Key, Any]) -> list[Key]:
    """The keys in the one order every writer upserts them in, so that concurrent writers on
    PostgreSQL take the rows' locks in the same order and never deadlock: by the org's text,
    then the rest of the key. A batch has one org or a few, so the keys are sorted per org as
    plain tuples, without building a sort key for each."""
    per_org: dict[uuid.UUID, list[Key]] = {}
    for key in sums:
        per_org.setdefault(key[0], []).append(key)
    return [key for org_id in sorted(per_org, key=str) for key in sorted(per_org[org_id])]


COUNTERS = ("requests", "successes", "duration_sum_ms", "duration_count", "tokens")


def _row(key: Key, sums: list[float]) -> dict[str, Any]:
    org_id, scope_type, scope_id, span, bucket_start, action, resource_type = key
    return {
        "org_id": org_id,
        "scope_type": scope_type,
        "scope_id": scope_id,
        "span": span,
        "bucket_start": bucket_start,
        "action": action,
        "resource_type": resource_type,
        "requests": int(sums[0]),
        "successes": int(sums[1]),
        "duration_sum_ms": float(sums[2]),
        "duration_count": int(sums[3]),
        "tokens": int(sums[4]),
    }
