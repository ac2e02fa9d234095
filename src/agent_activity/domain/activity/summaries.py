"""Counts and sums over the activity log without scanning it: whole hours come from the
rollups, the partial hours at either edge of a time range from the raw records.

Whole hours are read at the longest span that fits: an unbounded range is the all-time row per
action and resource type, whole UTC days inside the range come from day rows, and only the hours
of the partial days at either end from hour rows. A 168-hour summary reads about 30 buckets per
(action, resource type) instead of 168, and a feed's total one.

A partial edge hour is read whichever way touches fewer raw records: the part inside the range
from the raw log, or the whole hour from its rollup minus the raw part outside the range. For a
range ending now, the part outside is the rest of the current hour, which holds no records yet,
so the current hour costs an empty index probe: its rollup row is read by the same query as the
whole hours.

A query can use the rollups only when its conditions are exactly one rollup scope plus, at most,
an action, a resource type and success or failure (dimensions the rollups keep). Anything else
(a duration bound, a resource id, a user inside a workspace) is counted from the raw records,
through the index of the feed's scope.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, case, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import ActivityRecord, ActivityRollup
from agent_activity.db.reads import Read, read_many
from agent_activity.domain.activity.query import ActivityFilter
from agent_activity.domain.activity.rollups import DASHBOARD_PREFIX, day_of, endpoint_key, hour_of

R = ActivityRecord
U = ActivityRollup
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass
class Stats:
    requests: int = 0
    successes: int = 0
    duration_sum_ms: float = 0.0
    duration_count: int = 0
    tokens: int = 0

    def add(self, other: Stats, sign: int = 1) -> None:
        self.requests += sign * other.requests
        self.successes += sign * other.successes
        self.duration_sum_ms += sign * other.duration_sum_ms
        self.duration_count += sign * other.duration_count
        self.tokens += sign * other.tokens


Groups = dict[tuple[str, str], Stats]  # (action, resource type) -> stats; '' for absent
TOTAL = ("*", "*")  # the one key of ungrouped stats


def rollup_scope(query: ActivityFilter) -> tuple[str, str] | None:
    """The rollup scope whose rows count exactly what ``query`` matches, if there is one."""
    if query.via_dashboard is False:
        return None  # counted as the scope less its dashboard reads (see count_reads)
    if query.via_dashboard is True:
        scope = rollup_scope(replace(query, via_dashboard=None))
        return None if scope is None else (DASHBOARD_PREFIX + scope[0], scope[1])
    q = query
    if q.augmentation_id or q.resource_id or q.ticket_id or q.agent_session_id:
        return None
    if q.min_duration_ms is not None or q.max_duration_ms is not None:
        return None
    if q.endpoint_id:
        if q.user_id or not (q.workspace_id and q.app_id):
            return None
        return "endpoint", endpoint_key(q.workspace_id, q.app_id, q.endpoint_id)
    if q.app_id:
        return None if (q.user_id or q.workspace_id) else ("app", q.app_id)
    if q.user_id:
        return None if q.workspace_id else ("user", q.user_id)
    if q.workspace_id:
        return "workspace", q.workspace_id
    return "org", str(q.org_id)


def split_hours(
    start: datetime | None, end: datetime | None
) -> tuple[datetime | None, datetime | None] | None:
    """The whole hours inside [start, end) as [first, last), None for unbounded; or None if the
    range holds no whole hour."""
    first = None
    if start is not None:
        first = hour_of(start) if start == hour_of(start) else hour_of(start) + HOUR
    last = None if end is None else hour_of(end)
    if first is not None and last is not None and first >= last:
        return None
    return first, last


@dataclass
class StatsReads:
    """The selects that add up to one query's stats, and how their rows combine: the first
    adds (raw records, or the rollups), each further one adds or subtracts raw records of an
    edge hour."""

    reads: list[Read]
    signs: list[int]
    grouped: bool
    from_rollups: bool

    def combine(self, results: list[list[tuple[Any, ...]]]) -> Groups:
        rows, *parts = results
        if self.from_rollups:
            groups = {_key(row, self.grouped): _stats(row[-5:]) for row in rows if row[-5]}
        else:
            groups = _raw_rows(rows, self.grouped)
        for part, sign in zip(parts, self.signs[1:], strict=True):
            _merge(groups, _raw_rows(part, self.grouped), sign)
        return groups


def stats_reads(
    query: ActivityFilter, now: datetime | None = None, *, grouped: bool = True
) -> StatsReads:
    """The reads of :func:`group_stats`, to run together with others (see read_many)."""
    scope = rollup_scope(query)
    hours = split_hours(query.start, query.end) if scope is not None else None
    if scope is None or hours is None:
        return StatsReads([_raw_read(query, grouped)], [1], grouped, from_rollups=False)
    first, last = hours
    # A partial edge hour is either read raw, or folded into the rollup read and its outside
    # part subtracted: one rollup query covers the whole hours and both kinds of edge.
    added: list[tuple[datetime, datetime]] = []
    subtracted: list[tuple[datetime, datetime]] = []
    if first is not None and query.start is not None and query.start < first:
        edge = first - HOUR
        if _cheaper_from_rollup(edge, query.start, first, now):
            first = edge
            subtracted.append((edge, query.start))
        else:
            added.append((query.start, first))
    if last is not None and query.end is not None and last < query.end:
        if _cheaper_from_rollup(last, last, query.end, now):
            subtracted.append((query.end, last + HOUR))
            last += HOUR
        else:
            added.append((last, query.end))
    plan = StatsReads(
        [_rollup_read(query, scope, first, last, grouped)], [1], grouped, from_rollups=True
    )
    for parts, sign in ((added, 1), (subtracted, -1)):
        for start, end in parts:
            if start < end:
                plan.reads.append(_raw_read(replace(query, start=start, end=end), grouped))
                plan.signs.append(sign)
    return plan


async def group_stats(
    session: AsyncSession,
    query: ActivityFilter,
    now: datetime | None = None,
    *,
    grouped: bool = True,
) -> Groups:
    """Stats per (action, resource type) of the records ``query`` matches, or with ``grouped``
    false their totals alone, under the key ``TOTAL``. ``now``, when given, says that records
    later than it are rare, which makes the current hour cheap to read. All the selects go to
    the database in one session."""
    if query.via_dashboard is False and rollup_scope(replace(query, via_dashboard=None)):
        # Every record less the dashboard's reads, both from the rollups: no scan of the log.
        every = stats_reads(replace(query, via_dashboard=None), now, grouped=grouped)
        own = stats_reads(replace(query, via_dashboard=True), now, grouped=grouped)
        results = await read_many(session, *every.reads, *own.reads)
        groups = every.combine(results[: len(every.reads)])
        _merge(groups, own.combine(results[len(every.reads) :]), -1)
        return groups
    plan = stats_reads(query, now, grouped=grouped)
    return plan.combine(await read_many(session, *plan.reads))


def _cheaper_from_rollup(
    hour: datetime, start: datetime, end: datetime, now: datetime | None
) -> bool:
    """Whether the part [start, end) of ``hour`` is cheaper read as the hour's rollup less the
    raw records outside it than as the raw records inside it."""
    inside = end - start
    outside = HOUR - inside
    if now is not None:
        # Time after ``now`` holds (almost) no records, so it costs (almost) nothing to read.
        outside = max(timedelta(0), min(hour + HOUR, now) - end) + max(timedelta(0), start - hour)
    return inside > outside


def _merge(groups: Groups, more: Groups, sign: int = 1) -> None:
    for key, stats in more.items():
        groups.setdefault(key, Stats()).add(stats, sign)
    for key in [key for key, stats in groups.items() if stats.requests == 0]:
        del groups[key]


@dataclass
class CountReads:
    """The selects that count one query's records, and how their rows give the count."""

    reads: list[Read]
    stats: StatsReads | None  # None: one plain COUNT
    success: bool | None

    def combine(self, results: list[list[tuple[Any, ...]]]) -> int:
        if self.stats is None:
            return int(results[0][0][0] or 0)
        total = self.stats.combine(results).get(TOTAL, Stats())
        if self.success is None:
            return total.requests
        return total.successes if self.success else total.requests - total.successes


@dataclass
class DifferenceReads:
    """A count as one count less another: a scope's records less its dashboard reads, both
    from the rollups, where counting the rest from the raw records would read them all."""

    every: CountReads
    own: CountReads

    @property
    def reads(self) -> list[Read]:
        return self.every.reads + self.own.reads

    def combine(self, results: list[list[tuple[Any, ...]]]) -> int:
        split = len(self.every.reads)
        return self.every.combine(results[:split]) - self.own.combine(results[split:])


def count_reads(query: ActivityFilter) -> CountReads | DifferenceReads:
    """The reads that count the records ``query`` matches, to run together with others (see
    read_many)."""
    if query.via_dashboard is False and rollup_scope(replace(query, via_dashboard=None)):
        every = count_reads(replace(query, via_dashboard=None))
        own = count_reads(replace(query, via_dashboard=True))
        assert isinstance(every, CountReads) and isinstance(own, CountReads)
        return DifferenceReads(every, own)
    if rollup_scope(query) is None:
        count = Read(
            lambda: select(func.count()).select_from(R).where(*query.conditions()),
            query.values(),
        )
        return CountReads([count], None, None)
    stats = stats_reads(replace(query, success=None), grouped=False)
    return CountReads(stats.reads, stats, query.success)


def _stats(values: Sequence[Any]) -> Stats:
    requests, successes, dsum, dcount, tokens = values
    return Stats(
        int(requests), int(successes or 0), float(dsum or 0), int(dcount), int(tokens or 0)
    )


def _key(row: Sequence[Any], grouped: bool) -> tuple[str, str]:
    return (row[0] or "", row[1] or "") if grouped else TOTAL


def _raw_read(query: ActivityFilter, grouped: bool) -> Read:
    return Read(
        lambda: _raw_groups_statement(query, grouped),
        query.values(),
    )


def _raw_rows(rows: list[tuple[Any, ...]], grouped: bool) -> Groups:
    groups: Groups = {}
    for row in rows:
        stats = _stats(row[-5:])
        if stats.requests:  # totals of no records are one row of zeros
            groups.setdefault(_key(row, grouped), Stats()).add(stats)
    return groups


def _raw_groups_statement(query: ActivityFilter, grouped: bool) -> Select[*tuple[Any, ...]]:
    keys = (R.action, R.resource_type) if grouped else ()
    return (
        select(
            *keys,
            func.count(),
            func.sum(case((R.success, 1), else_=0)),
            func.sum(R.duration_ms),
            func.count(R.duration_ms),
            func.sum(R.total_tokens),
        )
        .where(*query.conditions())
        .group_by(*keys)
    )


Piece = tuple[str, datetime | None, datetime | None]  # span, first bucket, end (None: open)


def spans_covering(first: datetime | None, last: datetime | None) -> list[Piece]:
    """The rollup buckets that add up to the whole hours [first, last) (None for unbounded),
    longest spans first: whole days as day rows, the rest as hour rows."""
    if first is None and last is None:
        return [("all", None, None)]
    day_first = None if first is None else day_of(first + DAY - HOUR)
    day_last = None if last is None else day_of(last)
    if day_first is not None and day_last is not None and day_first >= day_last:
        return [("hour", first, last)]
    pieces: list[Piece] = [("day", day_first, day_last)]
    if first is not None and day_first is not None and first < day_first:
        pieces.append(("hour", first, day_first))
    if last is not None and day_last is not None and day_last < last:
        pieces.append(("hour", day_last, last))
    return pieces


def _bucket_range(index: int, piece: Piece) -> list[ColumnElement[bool]]:
    """The conditions of one piece, its values bound as ``span_<index>`` and so on."""
    _, first, last = piece
    where = [U.span == bindparam(f"span_{index}")]
    if first is not None:
        where.append(U.bucket_start >= bindparam(f"first_{index}"))
    if last is not None:
        where.append(U.bucket_start < bindparam(f"last_{index}"))
    return where


VALUES = (U.requests, U.successes, U.duration_sum_ms, U.duration_count, U.tokens)


def _rollup_read(
    query: ActivityFilter,
    scope: tuple[str, str],
    first: datetime | None,
    last: datetime | None,
    grouped: bool,
) -> Read:
    """The read of the stats of the whole hours [first, last) of one scope, from as few rollup
    rows as can be."""
    if query.success is not None:
        raise ValueError("rollup groups count both outcomes; filter success afterwards")
    pieces = spans_covering(first, last)
    dimensions = tuple(name for name in ("action", "resource_type") if getattr(query, name))
    values: dict[str, Any] = {
        "org_id": query.org_id,
        "scope_type": scope[0],
        "scope_id": scope[1],
        "action": query.action,
        "resource_type": query.resource_type,
    }
    for index, (span, low, high) in enumerate(pieces):
        values |= {f"span_{index}": span, f"first_{index}": low, f"last_{index}": high}
    return Read(
        lambda: _rollup_statement(dimensions, pieces, grouped),
        values,
    )


def _rollup_statement(
    dimensions: tuple[str, ...], pieces: list[Piece], grouped: bool
) -> Select[*tuple[Any, ...]]:
    where: list[ColumnElement[bool]] = [
        U.org_id == bindparam("org_id"),
        U.scope_type == bindparam("scope_type"),
        U.scope_id == bindparam("scope_id"),
    ]
    where += [getattr(U, name) == bindparam(name) for name in dimensions]
    # One SELECT per span, joined with UNION ALL: each seeks its own index range, where an OR of
    # the ranges makes SQLite read every bucket of the scope.
    parts = [
        select(U.action, U.resource_type, *VALUES).where(*where, *_bucket_range(index, piece))
        for index, piece in enumerate(pieces)
    ]
    rows = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    sums = [func.sum(rows.c[value.key]) for value in VALUES]
    keys = (rows.c.action, rows.c.resource_type) if grouped else ()
    return select(*keys, *sums).group_by(*keys)
