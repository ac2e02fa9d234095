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
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from agent_activity.db.driver_rows import BulkStatement
from agent_activity.db.models import AgentSession, Ticket, TicketUsage, WorkInterval
from agent_activity.domain.tickets.counting import (
    COUNTERS,
    Counts,
    hour_of,
    hours_covered,
    interval_dimensions,
    record_counts,
    record_dimensions,
    ticket_of,
    zero,
)

# The one bucket of the "all" span.
ALL_TIME = datetime(1970, 1, 1, tzinfo=UTC)
# (org, project, ticket, dimension, dimension key, span, bucket start)
Key = tuple[uuid.UUID, uuid.UUID, uuid.UUID, str, str, str, datetime]
Sums = dict[Key, Counts]


def add(sums: Sums, key: Key, counts: Counts) -> None:
    total = sums.get(key)
    if total is None:
        sums[key] = list(counts)
    else:
        for index, value in enumerate(counts):
            total[index] += value


def spread(
    sums: Sums,
    where: tuple[uuid.UUID, uuid.UUID, uuid.UUID],
    dimensions: Iterable[tuple[str, str]],
    hour: datetime,
    counts: Counts,
) -> None:
    """Add ``counts`` to each dimension's row of ``hour`` and of all time."""
    for dimension, key in dimensions:
        add(sums, (*where, dimension, key, "hour", hour), counts)
        add(sums, (*where, dimension, key, "all", ALL_TIME), counts)


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
    attributed = [(ticket_of(row["ticket_id"]), row) for row in rows if row["ticket_id"]]
    wanted = {ticket for ticket, _ in attributed if ticket is not None}
    if not wanted:
        return
    tickets = await _tickets(connection, wanted)
    sums: Sums = {}
    for ticket, row in attributed:
        owner = tickets.get(ticket) if ticket is not None else None
        if ticket is None or owner is None or owner[0] != row["org_id"]:
            continue
        where = (owner[0], owner[1], ticket)
        spread(sums, where, record_dimensions(row), hour_of(row["timestamp"]), record_counts(row))
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
    sums: Sums = {}
    where = (interval.org_id, interval.project_id, interval.ticket_id)
    dimensions = interval_dimensions(interval.session_id, users.get(interval.session_id))
    spread(sums, where, list(dimensions), hour_of(interval.started_at), counts)
    await write(await session.connection(), sums)


async def add_closed_intervals(session: AsyncSession, intervals: Sequence[WorkInterval]) -> None:
    """Add the time of just-closed intervals to their tickets, hour by hour."""
    closed = [i for i in intervals if i.ticket_id is not None and i.ended_at is not None]
    if not closed:
        return
    users = await _users(session, {i.session_id for i in closed})
    sums: Sums = {}
    for interval in closed:
        assert interval.ticket_id is not None and interval.ended_at is not None
        where = (interval.org_id, interval.project_id, interval.ticket_id)
        dimensions = list(interval_dimensions(interval.session_id, users.get(interval.session_id)))
        for hour, piece in hours_covered(interval.started_at, interval.ended_at):
            counts = zero()
            counts[0] = piece
            spread(sums, where, dimensions, hour, counts)
    await write(await session.connection(), sums)


async def write(connection: AsyncConnection, sums: Sums) -> None:
    if not sums:
        return
    ordered = sorted(sums, key=lambda key: (str(key[2]), *key[3:]))
    rows = [_row(key, sums[key]) for key in ordered]
    await _upsert(connection.dialect).execute(connection, rows)


@functools.lru_cache(maxsize=4)
def _upsert(dialect: Dialect) -> BulkStatement:
    # Compiled once per dialect: its SQL text and parameter order never change.
    return BulkStatement(upsert_statement(dialect.name), dialect, ROW_KEYS)


def upsert_statement(dialect: str) -> Any:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(TicketUsage)
    table = TicketUsage.__table__.c
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[
            table.org_id,
            table.ticket_id,
            table.dimension,
            table.dimension_key,
            table.span,
            table.bucket_start,
        ],
        set_={name: table[name] + new[name] for name in COUNTERS},
    )


ROW_KEYS = tuple(column.key for column in TicketUsage.__table__.columns if column.key != "id")


def _row(key: Key, counts: Counts) -> dict[str, Any]:
    org_id, project_id, ticket_id, dimension, dimension_key, span, bucket_start = key
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
