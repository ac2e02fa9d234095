"""Keeping the ticket usage rollups (db/models/ticket_usage.py) in step with every write.

Three writes feed them, each in its caller's transaction: a batch of activity records
(``write_activity_records``), an interval opening (``start_work``) and intervals closing (stop,
a new start, a move, a timeout). Each is summed in memory into rows of every span (its hour
and all time) and dimension (the ticket, its agent session, its person, its model), then
written with one upsert executed for many rows, in key order so that concurrent writers on
PostgreSQL take the rows' locks in one order and cannot deadlock.

A record counts towards a ticket only when that ticket is of the record's own org: a
``ticket_id`` naming another tenant's ticket (or none that exists) is left out.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from agent_activity.db.models import AgentSession, Ticket, TicketUsage, WorkInterval
from agent_activity.db.summed_upsert import SummedUpsert
from agent_activity.domain.tickets.counting import (
    COUNTERS,
    Counts,
    agent_key,
    dimensions_of,
    hour_of,
    hours_covered,
    interval_dimensions,
    joined_session,
    model_of,
    record_counts,
    ticket_of,
    zero,
)

# The one bucket of the "all" span.
ALL_TIME = datetime(1970, 1, 1, tzinfo=UTC)
# (ticket id, dimension, dimension key, bucket start) of an hour row: strings, whose hashes
# Python keeps, where UUIDs hash anew on every lookup.
HourKey = tuple[str, str, str, datetime]
# A ticket's (org, project, id).
Owner = tuple[uuid.UUID, uuid.UUID, uuid.UUID]


class Sums:
    """A write's increments summed in memory by hour row; its all-time rows are the sums of
    those, so each row is upserted once per write."""

    def __init__(self) -> None:
        self.hours: dict[HourKey, Counts] = {}
        self.owners: dict[str, Owner] = {}

    def add(
        self, owner: Owner, dimensions: Iterable[tuple[str, str]], hour: datetime, counts: Counts
    ) -> None:
        """Add ``counts`` to each dimension's row of ``hour`` on the ticket of ``owner``."""
        ticket = str(owner[2])
        self.owners[ticket] = owner
        for dimension, key in dimensions:
            add_counts(self.hours, (ticket, dimension, key, hour), counts)

    def rows(self) -> list[dict[str, Any]]:
        """Every hour and all-time row, in the one order every writer upserts them in, so
        that concurrent writers on PostgreSQL take the rows' locks in one order."""
        spans: dict[tuple[str, str, str, str, datetime], Counts] = {}
        for (ticket, dimension, key, hour), counts in self.hours.items():
            spans[(ticket, dimension, key, "hour", hour)] = counts
            add_counts(spans, (ticket, dimension, key, "all", ALL_TIME), counts)
        return [_row(self.owners[key[0]], key, spans[key]) for key in sorted(spans)]


def add_counts(sums: dict[Any, Counts], key: Any, counts: Counts) -> None:
    total = sums.get(key)
    if total is None:
        sums[key] = list(counts)
    else:
        for index, value in enumerate(counts):
            total[index] += value


async def _tickets(
    connection: AsyncConnection, wanted: set[uuid.UUID]
) -> dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID]]:
    """Ticket id -> (its org, its project), for the tickets of ``wanted`` that exist."""
    found: dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID]] = {}
    ordered = sorted(wanted)
    for start in range(0, len(ordered), 500):
        rows = await connection.execute(
            select(Ticket.id, Ticket.org_id, Ticket.project_id).where(
                Ticket.id.in_(ordered[start : start + 500])
            )
        )
        found.update({ticket: (org, project) for ticket, org, project in rows})
    return found


async def add_records(connection: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Add the ticket-attributed records of a normalised batch to the ticket rollups."""
    # Records are first summed per (ticket, org, agent session, person, model, hour): each
    # record then costs one key and one lookup, and each group is spread over its dimensions
    # once.
    groups: dict[tuple[Any, ...], Counts] = {}
    for row in rows:
        if not row["ticket_id"]:
            continue
        group = (
            row["ticket_id"],
            row["org_id"],
            joined_session(row),
            row["agent_session_id"],
            row["user_id"],
            model_of(row),
            hour_of(row["timestamp"]),
        )
        add_counts(groups, group, record_counts(row))
    wanted = {ticket_of(group[0]) for group in groups} - {None}
    if not wanted:
        return
    tickets = await _tickets(connection, cast(set[uuid.UUID], wanted))
    sums = Sums()
    for (raw, org_id, joined, telemetry, user, model, hour), counts in groups.items():
        ticket = ticket_of(raw)
        owner = tickets.get(ticket) if ticket is not None else None
        if ticket is None or owner is None or owner[0] != org_id:
            continue
        dimensions = dimensions_of(agent_key(joined, telemetry), user, model)
        sums.add((*owner, ticket), dimensions, hour, counts)
    await write(connection, sums)


async def _users(session: AsyncSession, agents: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each agent session's person, read here: a session remembered by a process (live.py)
    does not carry it."""
    rows = await session.execute(
        select(AgentSession.id, AgentSession.user_id).where(AgentSession.id.in_(agents))
    )
    return {agent: user for agent, user in rows.all()}


async def add_opened_interval(session: AsyncSession, interval: WorkInterval) -> None:
    """Count a new interval on its ticket (its time is counted when it closes)."""
    if interval.ticket_id is None:
        return
    users = await _users(session, {interval.session_id})
    counts = zero()
    counts[1] = 1
    sums = Sums()
    owner = (interval.org_id, interval.project_id, interval.ticket_id)
    dimensions = interval_dimensions(interval.session_id, users.get(interval.session_id))
    sums.add(owner, dimensions, hour_of(interval.started_at), counts)
    await write(await session.connection(), sums)


async def add_closed_intervals(session: AsyncSession, intervals: Sequence[WorkInterval]) -> None:
    """Add the time of just-closed intervals to their tickets, hour by hour."""
    closed = [i for i in intervals if i.ticket_id is not None and i.ended_at is not None]
    if not closed:
        return
    users = await _users(session, {i.session_id for i in closed})
    sums = Sums()
    for interval in closed:
        assert interval.ticket_id is not None and interval.ended_at is not None
        owner = (interval.org_id, interval.project_id, interval.ticket_id)
        dimensions = list(interval_dimensions(interval.session_id, users.get(interval.session_id)))
        for hour, piece in hours_covered(interval.started_at, interval.ended_at):
            counts = zero()
            counts[0] = piece
            sums.add(owner, dimensions, hour, counts)
    await write(await session.connection(), sums)


async def write(connection: AsyncConnection, sums: Sums) -> None:
    rows = sums.rows()
    if not rows:
        return
    await _summed_upsert(connection.dialect).execute(connection, rows)


# Built once per dialect: its SQL text and parameter order never change.
@functools.lru_cache(maxsize=4)
def _summed_upsert(dialect: Dialect) -> SummedUpsert:
    return SummedUpsert(cast(Table, TicketUsage.__table__), COUNTERS, dialect)


def _row(owner: Owner, key: tuple[str, str, str, str, datetime], counts: Counts) -> dict[str, Any]:
    org_id, project_id, ticket_id = owner
    _, dimension, dimension_key, span, bucket_start = key
    row: dict[str, Any] = {
        "org_id": org_id,
        "project_id": project_id,
        "ticket_id": ticket_id,
        "dimension": dimension,
        "dimension_key": dimension_key,
        "span": span,
        "bucket_start": bucket_start,
    }
    for name, value in zip(COUNTERS, counts, strict=True):
        row[name] = float(value) if name == "cost_usd" else int(value)
    return row
