"""Reading what tickets cost: one ticket's totals and breakdowns, or a board's totals per ticket,
from the ticket usage rollups (never the log), plus the time of intervals still open, up to now.

``since`` and ``until`` select whole hours: the window is widened to the hour ``since`` falls in
and the end of the hour ``until`` falls in, because the rollups keep hours (docs/tickets.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CompoundSelect, Select, String, cast, func, literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.base import UTCDateTime
from agent_activity.db.models import AgentSession, Project, Ticket, TicketUsage, User, WorkInterval
from agent_activity.domain.errors import FieldIssue, Invalid
from agent_activity.domain.tickets.counting import (
    COUNTERS,
    Counts,
    hour_of,
    interval_dimensions,
    microseconds,
    zero,
)

HOUR = timedelta(hours=1)
SORTS = ("cost", "time", "number")


@dataclass(frozen=True)
class Window:
    """Whole hours [start, end); open on either side when not given."""

    start: datetime | None = None
    end: datetime | None = None

    @classmethod
    def of(cls, since: datetime | None, until: datetime | None) -> Window:
        if since is not None and until is not None and since > until:
            message = "since must not be after until"
            raise Invalid(message, [FieldIssue(("query", "since"), message)])
        start = hour_of(since) if since is not None else None
        end = None
        if until is not None:
            end = hour_of(until) if until == hour_of(until) else hour_of(until) + HOUR
        return cls(start, end)

    @property
    def whole(self) -> bool:
        return self.start is None and self.end is None


@dataclass(frozen=True)
class Tokens:
    input: int
    output: int
    cache_read: int
    cache_creation: int

    @property
    def total(self) -> int:
        return self.input + self.output + self.cache_read + self.cache_creation


@dataclass
class Usage:
    """The counters of one ticket, or of one agent, person or model on it."""

    agent_time_s: float = 0.0
    intervals: int = 0
    tool_calls: int = 0
    failed_tool_calls: int = 0
    model_requests: int = 0
    tokens: Tokens = field(default_factory=lambda: Tokens(0, 0, 0, 0))
    cost_usd: float = 0.0

    @classmethod
    def of(cls, counts: Counts) -> Usage:
        return cls(**fields_of(counts))


def fields_of(counts: Counts) -> dict[str, Any]:
    """The counters of :class:`Usage` as its fields; a board builds 200 of them per read."""
    # PostgreSQL sums integers as numeric: made plain numbers here, before any arithmetic.
    time_us, intervals, tools, failed, models, given, made, read, written, cost = counts
    return {
        "agent_time_s": round(int(time_us or 0) / 1_000_000, 3),
        "intervals": int(intervals or 0),
        "tool_calls": int(tools or 0),
        "failed_tool_calls": int(failed or 0),
        "model_requests": int(models or 0),
        "tokens": Tokens(int(given or 0), int(made or 0), int(read or 0), int(written or 0)),
        "cost_usd": round(float(cost or 0), 6),
    }


@dataclass
class Part(Usage):
    """One row of a breakdown: ``key`` as stored, ``name`` as people know it."""

    key: str = ""
    name: str | None = None


NO_TICKET = uuid.UUID(int=0)
NONE = zero()  # the counters of a ticket nothing was counted on; never changed


@dataclass
class TicketUsageView(Usage):
    ticket_id: uuid.UUID = NO_TICKET
    ticket_number: int = 0
    title: str = ""
    column: str = ""
    by_agent: list[Part] = field(default_factory=list)
    by_user: list[Part] = field(default_factory=list)
    by_model: list[Part] = field(default_factory=list)


def _summed(query: Select[Any], window: Window) -> Select[Any]:
    if window.whole:
        return query.where(TicketUsage.span == "all")
    query = query.where(TicketUsage.span == "hour")
    if window.start is not None:
        query = query.where(TicketUsage.bucket_start >= window.start)
    if window.end is not None:
        query = query.where(TicketUsage.bucket_start < window.end)
    return query


SUMS = [func.sum(getattr(TicketUsage, name)) for name in COUNTERS]


def open_time(started_at: datetime, now: datetime, window: Window) -> int:
    """Microseconds of an interval open since ``started_at`` inside the window, up to now."""
    start = max(started_at, window.start or started_at)
    end = min(now, window.end or now)
    return max(0, microseconds(end - start))


@dataclass(frozen=True)
class OpenInterval:
    ticket_id: uuid.UUID
    session_id: uuid.UUID
    started_at: datetime
    user_id: str | None


# The marker of an open interval's row in the one statement that reads both (_with_open).
OPEN = "open"


def _with_open(
    sums: Select[Any], width: int, project_id: uuid.UUID, ticket_id: uuid.UUID | None
) -> CompoundSelect[Any]:
    """``sums`` (``width`` key columns, then the counters) and the open intervals of the board
    or ticket in one statement: one snapshot on either engine, so an interval closing between
    two reads is never counted twice or missed. An interval's row is its ticket id as text
    (then OPEN for each further key column), zeros, started_at, its session id, its user."""
    text = String(64)
    moment = cast(null(), UTCDateTime())
    opened = (
        select(
            cast(WorkInterval.ticket_id, text),
            *[literal(OPEN, text)] * (width - 1),
            *[literal(0)] * len(COUNTERS),
            WorkInterval.started_at,
            cast(WorkInterval.session_id, text),
            AgentSession.user_id,
        )
        .join(AgentSession, AgentSession.id == WorkInterval.session_id)
        .where(
            WorkInterval.project_id == project_id,
            WorkInterval.ended_at.is_(None),
            WorkInterval.ticket_id.is_not(None),
        )
    )
    if ticket_id is not None:
        opened = opened.where(WorkInterval.ticket_id == ticket_id)
    summed = sums.add_columns(moment, cast(null(), text), cast(null(), text))
    return union_all(summed, opened)


def _split(
    rows: Sequence[Any], width: int
) -> tuple[list[tuple[tuple[Any, ...], Counts]], list[OpenInterval]]:
    """The rows of :func:`_with_open`: (key, counters) of the sums, and the open intervals."""
    sums: list[tuple[tuple[Any, ...], Counts]] = []
    opened: list[OpenInterval] = []
    for row in rows:
        end = width + len(COUNTERS)
        key, counts = tuple(row[:width]), [value or 0 for value in row[width:end]]
        started_at, session_id, user_id = row[end:]
        if started_at is None:
            sums.append((key, counts))
        else:
            opened.append(
                OpenInterval(uuid.UUID(str(key[0])), uuid.UUID(session_id), started_at, user_id)
            )
    return sums, opened


async def ticket_usage(
    session: AsyncSession, ticket: Ticket, now: datetime, window: Window
) -> TicketUsageView:
    """One ticket's totals and its breakdowns by agent session, person and model."""
    query = select(TicketUsage.dimension, TicketUsage.dimension_key, *SUMS).where(
        TicketUsage.org_id == ticket.org_id, TicketUsage.ticket_id == ticket.id
    )
    query = _summed(query, window).group_by(TicketUsage.dimension, TicketUsage.dimension_key)
    statement = _with_open(query, 2, ticket.project_id, ticket.id)
    found, opened = _split((await session.execute(statement)).all(), 2)
    sums: dict[tuple[str, str], Counts] = {(key[0], key[1]): counts for key, counts in found}
    for interval in opened:
        running = open_time(interval.started_at, now, window)
        for row_key in (
            interval_dimensions(interval.session_id, interval.user_id) if running else ()
        ):
            sums.setdefault(row_key, zero())[0] += running
    total = Usage.of(sums.get(("ticket", ""), zero()))
    names = await _names(session, ticket.org_id, sums)
    parts: dict[str, list[Part]] = {"agent": [], "user": [], "model": []}
    for (dimension, key), counts in sums.items():
        if dimension in parts:
            part = Part(**fields_of(counts), key=key, name=names.get((dimension, key), key))
            parts[dimension].append(part)
    for rows in parts.values():
        rows.sort(key=lambda part: (-part.cost_usd, -part.agent_time_s, part.key))
    return TicketUsageView(
        **vars(total),
        ticket_id=ticket.id,
        ticket_number=ticket.number,
        title=ticket.title,
        column=ticket.column,
        by_agent=parts["agent"],
        by_user=parts["user"],
        by_model=parts["model"],
    )


def agent_label(agent_id: uuid.UUID, client: str | None, role: str | None) -> str:
    """An agent session as people read it: its client and role, and the end of its id, which
    (unlike a UUIDv7's start, its timestamp) tells two sessions of one minute apart."""
    label = " · ".join(part for part in (client or "agent", role) if part)
    return f"{label} ({str(agent_id)[-8:]})"


def uuids_of(keys: Iterable[str]) -> list[uuid.UUID]:
    found = []
    for key in keys:
        try:
            found.append(uuid.UUID(key))
        except ValueError:
            continue
    return found


async def _names(
    session: AsyncSession, org_id: uuid.UUID, sums: dict[tuple[str, str], Counts]
) -> dict[tuple[str, str], str]:
    """Agent sessions by their client's name and role, people by their name."""
    names: dict[tuple[str, str], str] = {}
    agents = uuids_of(key for dimension, key in sums if dimension == "agent")
    if agents:
        rows = await session.execute(
            select(AgentSession.id, AgentSession.client_name, AgentSession.caller_role).where(
                AgentSession.org_id == org_id, AgentSession.id.in_(agents)
            )
        )
        for agent_id, client, role in rows.all():
            names[("agent", str(agent_id))] = agent_label(agent_id, client, role)
    for dimension, key in sums:
        if dimension == "agent" and key.startswith("telemetry:"):
            names[(dimension, key)] = f"telemetry session {key.removeprefix('telemetry:')[:12]}"
    users = uuids_of(key for dimension, key in sums if dimension == "user")
    if users:
        people = await session.execute(select(User.id, User.name).where(User.id.in_(users)))
        names.update({("user", str(user_id)): name for user_id, name in people.all()})
    return names


@dataclass(frozen=True)
class BoardUsage:
    project_id: uuid.UUID
    sort: str
    tickets: Sequence[TicketUsageView]


async def project_usage(
    session: AsyncSession, project: Project, now: datetime, window: Window, sort: str = "cost"
) -> BoardUsage:
    """Every ticket's totals on one board (no breakdowns), most expensive or longest first."""
    if sort not in SORTS:
        message = f"sort must be one of {', '.join(SORTS)}"
        raise Invalid(message, [FieldIssue(("query", "sort"), message)])
    query = select(cast(TicketUsage.ticket_id, String(64)), *SUMS).where(
        TicketUsage.project_id == project.id, TicketUsage.dimension == "ticket"
    )
    query = _summed(query, window).group_by(TicketUsage.ticket_id)
    statement = _with_open(query, 1, project.id, None)
    found, opened = _split((await session.execute(statement)).all(), 1)
    # Keyed by the id's hex digits, which both engines' text of it holds (with or without
    # dashes): cheaper than parsing 200 UUIDs.
    sums: dict[str, Counts] = {str(key[0]).replace("-", ""): counts for key, counts in found}
    for interval in opened:
        running = open_time(interval.started_at, now, window)
        sums.setdefault(interval.ticket_id.hex, zero())[0] += running
    # Columns, not ORM objects, for the same reason as the open intervals.
    tickets = await session.execute(
        select(Ticket.id, Ticket.number, Ticket.title, Ticket.column).where(
            Ticket.project_id == project.id
        )
    )
    views = [
        TicketUsageView(
            **fields_of(sums.get(ticket_id.hex, NONE)),
            ticket_id=ticket_id,
            ticket_number=number,
            title=title,
            column=column,
        )
        for ticket_id, number, title, column in tickets.all()
    ]
    order = {
        "cost": lambda v: (-v.cost_usd, -v.agent_time_s, v.ticket_number),
        "time": lambda v: (-v.agent_time_s, -v.cost_usd, v.ticket_number),
        "number": lambda v: (v.ticket_number,),
    }[sort]
    views.sort(key=order)
    return BoardUsage(project.id, sort, views)
