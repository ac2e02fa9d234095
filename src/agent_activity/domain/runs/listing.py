"""Listing one agent's runs (spec file 003): filters, sort, page numbers, grouping by trigger.

Built for 100,000 runs per agent. Every sort key has an index ``(agent_id, key, id, ...)``
carrying the other listed columns, so:

- Ties break by id in the sort's direction, and NULLs (not started / not finished yet) sort as
  if later than any time: last ascending, first descending. That is the order the index holds
  on PostgreSQL, so both directions are plain index scans with no sort step.
- A page is found as a "deferred join": the ids of the page are picked from the index alone
  (index-only on PostgreSQL, skipping ``offset`` entries without touching the table), then only
  those ``per_page`` rows are read.
- A filter on another column than the sort key that matches few runs is read through its own
  index first (see :func:`filters_first`).
- ``total_items`` adds up ``agent_run_counts`` (domain/runs/counts.py), not the runs.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op
from sqlalchemy.sql.selectable import CTE, Subquery

from agent_activity.db.models import AgentRun
from agent_activity.domain.runs.counts import count_runs, count_runs_by_trigger
from agent_activity.domain.runs.filters import RunFilter, conditions
from agent_activity.domain.runs.hints import (
    FINISHED,
    implied_by_lifecycle,
    possible_statuses,
)
from agent_activity.domain.tenancy.access import check_agent_access
from agent_activity.domain.tenancy.principal import READ, TOKEN_USAGE, Principal

SORT_FIELDS = ("started_on", "completed_on", "created_on", "status")
DEFAULT_SORT = "-started_on"
MAX_PER_PAGE = 100
# Keeps OFFSET well inside a 64-bit integer and the deepest page within reach of the index.
MAX_PAGE = 100_000
# Up to this many matching runs, a filtered page is picked from the matches (see filters_first).
FILTER_FIRST_MAX = 20_000


@dataclass(frozen=True)
class RunQuery:
    filter: RunFilter = field(default_factory=RunFilter)
    sort_field: str = "started_on"
    descending: bool = True
    page: int = 1
    per_page: int = 10
    with_token_usage: bool = False  # asks for a figure only TOKEN_USAGE may read


@dataclass(frozen=True)
class RunPage:
    items: list[AgentRun]
    total_items: int
    page: int
    per_page: int

    @property
    def total_pages(self) -> int:
        return math.ceil(self.total_items / self.per_page)


@dataclass(frozen=True)
class RunGroup:
    trigger_type: str
    page: RunPage  # this group's runs on the requested page, and the group's own totals


def order_by(query: RunQuery) -> list[Any]:
    column = getattr(AgentRun, query.sort_field)
    if query.descending:
        return [column.desc().nulls_first(), AgentRun.id.desc()]
    return [column.asc().nulls_last(), AgentRun.id.asc()]


async def _rows(
    session: AsyncSession,
    where: list[ColumnElement[bool]],
    order: list[Any],
    limit: int,
    offset: int,
) -> list[AgentRun]:
    """The deferred join: pick the page's ids (from an index alone where it can), then read
    only those rows."""
    ids = select(AgentRun.id).where(*where).order_by(*order).limit(limit).offset(offset)
    page = ids.subquery()
    rows: Select[AgentRun] = select(AgentRun).join(page, AgentRun.id == page.c.id).order_by(*order)
    return list(await session.scalars(rows))


async def _page(session: AsyncSession, agent_id: uuid.UUID, query: RunQuery) -> RunPage:
    where = conditions(agent_id, query.filter)
    total = await count_runs(session, agent_id, query.filter)
    skipped = (query.page - 1) * query.per_page
    items: list[AgentRun] = []
    if skipped < total and query.sort_field == "status":
        items = await _page_by_status(session, agent_id, where, query)
    elif (
        skipped < total
        and filters_first(query, total)
        and not await _walk_is_shorter(session, agent_id, query, total)
    ):
        items = await _rows_filtered_first(session, where, query, skipped)
    elif skipped < total:
        hinted = [*where, *implied_by_lifecycle(query.filter)]
        items = await _rows(session, hinted, order_by(query), query.per_page, skipped)
    return RunPage(items, total, query.page, query.per_page)


def filtered_columns(where: RunFilter) -> set[str]:
    """The listed columns ``where`` puts a condition on."""
    found = {"status"} if where.statuses else set()
    for column in ("started_on", "completed_on", "created_on"):
        if getattr(where, f"{column}_from") or getattr(where, f"{column}_to"):
            found.add(column)
    if where.has_started is not None:
        found.add("started_on")
    if where.has_completed is not None:
        found.add("completed_on")
    return found


def filters_first(query: RunQuery, total: int) -> bool:
    """Whether the page is best found among the runs the filter matches, rather than by walking
    the sort key's index until enough of them have passed.

    Walking is cheap when matches are spread along the sort order. But the timestamps move
    together (a run is created, then started, then completed): runs completed in the last day
    are also the last created, so "completed since yesterday, oldest created first" walked
    nearly all of an agent's 100,000 runs before the first match (110 ms on SQLite, 45 ms on
    PostgreSQL). Both engines plan from per-column statistics and cannot see that. The count
    taken first bounds the other way: at most ``FILTER_FIRST_MAX`` matches, read from the
    filter's own index alone, then sorted (a few milliseconds).
    """
    others = filtered_columns(query.filter) - {query.sort_field}
    return bool(others) and total <= FILTER_FIRST_MAX and not walk_meets_matches_first(query)


async def _walk_is_shorter(
    session: AsyncSession, agent_id: uuid.UUID, query: RunQuery, total: int
) -> bool:
    """Whether a walk reads fewer entries than the ``total`` matches (for spread ones only:
    only then the agent's runs are counted, one more read of agent_run_counts)."""
    if not spread_evenly(query.filter):
        return False
    return walk_reads_fewer(query, total, await count_runs(session, agent_id, RunFilter()))


def spread_evenly(where: RunFilter) -> bool:
    """Whether the runs ``where`` matches are spread evenly along every time order: so for a
    filter on final statuses alone. A run reaches its final status minutes after it is
    created, so runs that failed, say, are found all along the agent's history but its last
    minutes. (Pending and running runs are the newest, bunched at one end.)"""
    return (
        bool(where.statuses)
        and set(where.statuses) <= FINISHED
        and (filtered_columns(where) == {"status"})
    )


def walk_reads_fewer(query: RunQuery, total: int, runs: int) -> bool:
    """Whether a walk through evenly spread matches reads fewer index entries (about ``runs /
    total`` per match it keeps, up to the page's end) than there are matches to read first."""
    return query.page * query.per_page * runs < total * total


def walk_meets_matches_first(query: RunQuery) -> bool:
    """Whether walking the sort key's index meets the filter's matches from its start.

    The same moving together makes some walks short: oldest first, whatever time is sorted on,
    the first runs are also the first to have started or completed, so they pass an upper
    bound on those times; newest first, the first runs pass a lower bound. Newest created
    first, an upper bound on started_on or completed_on is one on created_on too (run_hints),
    where the walk then starts. Any other filter (a status, a has_* test, both bounds) keeps
    the count's choice.
    """
    where = query.filter
    for column in filtered_columns(where) - {query.sort_field}:
        tested = {"started_on": where.has_started, "completed_on": where.has_completed}
        if column == "status" or tested.get(column) is not None:
            return False
        low, high = getattr(where, f"{column}_from"), getattr(where, f"{column}_to")
        bounds_created = query.sort_field == "created_on" and column != "created_on"
        if low and high:
            return False
        if low and not query.descending:
            return False
        if high and query.descending and not bounds_created:
            return False
    return True


async def _rows_filtered_first(
    session: AsyncSession, where: list[ColumnElement[bool]], query: RunQuery, skipped: int
) -> list[AgentRun]:
    """The page, picked from the matching runs found through the filter's own index.

    Each engine is kept off the sort key's index its own way. SQLite: the sort key under a
    unary ``+``, which SQLite documents as barring a term from index use, so it reads the
    filter's index and keeps the top rows as it goes (1.5 ms at 13,000 matches).
    PostgreSQL: a ``MATERIALIZED`` CTE, which is planned on its own, through the filter's
    index. (On SQLite the CTE works too but fills a temporary table first: 5 to 9 ms.)"""
    key = getattr(AgentRun, query.sort_field)
    pairs: Subquery | CTE
    if session.get_bind().dialect.name == "sqlite":
        source = select(AgentRun.id.label("id"), _unindexed(key).label("key")).where(*where)
        pairs = source.subquery()
    else:
        matching = select(AgentRun.id, key.label("key")).where(*where).cte("matching")
        pairs = matching.prefix_with("MATERIALIZED")
    if query.descending:
        order = [pairs.c.key.desc().nulls_first(), pairs.c.id.desc()]
    else:
        order = [pairs.c.key.asc().nulls_last(), pairs.c.id.asc()]
    ids = select(pairs.c.id).order_by(*order).limit(query.per_page).offset(skipped).subquery()
    rows = select(AgentRun).join(ids, AgentRun.id == ids.c.id).order_by(*order_by(query))
    return list(await session.scalars(rows))


def _unindexed(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """``+column``: the same value, which SQLite will not look up in an index."""
    return UnaryExpression(column, operator=custom_op("+"), type_=column.type)


async def _page_by_status(
    session: AsyncSession, agent_id: uuid.UUID, where: list[ColumnElement[bool]], query: RunQuery
) -> list[AgentRun]:
    """Sorted by status, a page is a run of whole status segments, each ordered by id.

    Each segment is an exact range of the (agent_id, status, id) index, read in turn until
    the page is full; a segment is only counted when the page starts beyond it. A single
    ordered query would have PostgreSQL 15 walk the status index from its start, through
    every segment a status list or a has_* filter leaves empty.
    """
    skip, need = (query.page - 1) * query.per_page, query.per_page
    by_id = AgentRun.id.desc() if query.descending else AgentRun.id.asc()
    items: list[AgentRun] = []
    for status in sorted(possible_statuses(query.filter), reverse=query.descending):
        segment = [*where, AgentRun.status == status]
        if skip:
            size = await count_runs(session, agent_id, replace(query.filter, statuses=(status,)))
            if skip >= size:
                skip -= size
                continue
        found = await _rows(session, segment, [by_id], need, skip)
        items += found
        need, skip = need - len(found), 0
        if need == 0:
            break
    return items


def _check_fields(principal: Principal, query: RunQuery) -> None:
    # Checked after the agent, so another org's agent is still a plain 404.
    if query.with_token_usage:
        principal.require_scope(TOKEN_USAGE)


async def list_runs(
    session: AsyncSession, principal: Principal, agent_id: uuid.UUID, query: RunQuery
) -> RunPage:
    await check_agent_access(session, principal, agent_id, READ)
    _check_fields(principal, query)
    return await _page(session, agent_id, query)


async def list_run_groups(
    session: AsyncSession, principal: Principal, agent_id: uuid.UUID, query: RunQuery
) -> list[RunGroup]:
    """One group per trigger type present among the filtered runs, by trigger type name.

    Each group holds the ``page``-th page of its own runs, so page N of the response shows page
    N of every group at once.
    """
    await check_agent_access(session, principal, agent_id, READ)
    _check_fields(principal, query)
    where = conditions(agent_id, query.filter)
    counts = await count_runs_by_trigger(session, agent_id, query.filter)
    groups = []
    for trigger_type, total in counts.items():
        scoped = [*where, AgentRun.trigger_type == trigger_type]
        skipped = (query.page - 1) * query.per_page
        items = (
            await _rows(session, scoped, order_by(query), query.per_page, skipped)
            if skipped < total
            else []
        )
        groups.append(
            RunGroup(trigger_type, RunPage(items, int(total), query.page, query.per_page))
        )
    return groups
