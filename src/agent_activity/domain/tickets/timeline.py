"""A ticket's story in time order: its work intervals, its checkpoints and its activity records,
one keyset-paginated list (docs/tickets.md, "Timeline").

Each kind is read from its own table, oldest first after the cursor's position, at most one
page and one more; the three are merged by (time, id), so a page costs three indexed reads
whatever the ticket's age. Ids are UUIDv7s, unique across the three tables, so (time, id) is a
total order and the cursor of file 004's feeds can carry it.
"""

from __future__ import annotations

import hashlib
import heapq
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, bindparam, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import (
    ActivityRecord,
    AgentSession,
    Checkpoint,
    Ticket,
    User,
    WorkInterval,
)
from agent_activity.domain.activity.cursor import CursorCodec
from agent_activity.domain.activity.query import PAGE_COLUMNS, Position, as_activity
from agent_activity.domain.activity.results import Activity
from agent_activity.domain.tickets.results import (
    ActivityEntry,
    CheckpointEntry,
    IntervalEntry,
    TimelineAgent,
    TimelinePage,
    TimelinePerson,
)
from agent_activity.domain.tickets.usage import agent_label, uuids_of


@dataclass(frozen=True)
class TimelineWindow:
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class Entry:
    """One line of the story, with the time and id it is ordered by."""

    at: datetime
    id: uuid.UUID
    view: IntervalEntry | CheckpointEntry | ActivityEntry


def fingerprint(ticket: Ticket, window: TimelineWindow) -> bytes:
    """Ties a cursor to its ticket and window (as feed cursors are tied to their filters)."""
    return hashlib.sha256(
        repr(("timeline", ticket.id, window.since, window.until)).encode()
    ).digest()[:8]


async def ticket_timeline(
    session: AsyncSession,
    codec: CursorCodec,
    ticket: Ticket,
    window: TimelineWindow,
    cursor: str | None,
    limit: int,
) -> TimelinePage:
    mark = fingerprint(ticket, window)
    after = codec.decode(cursor, mark) if cursor else None
    values: dict[str, Any] = {"limit": limit + 1}
    if after is not None:
        values |= {"after_at": after.timestamp, "after_id": after.id}
    kinds = [
        await _intervals(session, ticket, window, after, values),
        await _checkpoints(session, ticket, window, after, values),
        await _activity(session, ticket, window, after, values),
    ]
    merged = list(heapq.merge(*kinds, key=lambda entry: (entry.at, entry.id)))
    page = merged[:limit]
    await _name_people(session, page)
    more = len(merged) > limit
    last = page[-1] if more else None
    return TimelinePage(
        data=[entry.view for entry in page],
        has_more=more,
        next_cursor=codec.encode(Position(last.at, last.id), mark) if last else None,
    )


def _bounds(at: Any, row_id: Any, window: TimelineWindow, after: Position | None) -> list[Any]:
    where = []
    if window.since is not None:
        where.append(at >= window.since)
    if window.until is not None:
        where.append(at < window.until)
    if after is not None:
        mark = tuple_(
            bindparam("after_at", type_=at.type), bindparam("after_id", type_=row_id.type)
        )
        where.append(tuple_(at, row_id) > mark)
    return where


LIMIT = bindparam("limit", type_=Integer)


async def _intervals(
    session: AsyncSession,
    ticket: Ticket,
    window: TimelineWindow,
    after: Position | None,
    values: dict[str, Any],
) -> list[Entry]:
    W, S = WorkInterval, AgentSession
    query = (
        select(W, S.client_name, S.user_id)
        .join(S, S.id == W.session_id)
        .where(W.ticket_id == ticket.id, *_bounds(W.started_at, W.id, window, after))
        .order_by(W.started_at, W.id)
        .limit(LIMIT)
    )
    entries = []
    for interval, client, user_id in (await session.execute(query, values)).all():
        view = IntervalEntry(
            kind="interval",
            at=interval.started_at.isoformat(),
            id=interval.id,
            session_id=interval.session_id,
            agent=_agent(interval.session_id, client, interval.agent_role, interval.origin),
            user=TimelinePerson(id=user_id, name=None),
            started_at=interval.started_at.isoformat(),
            ended_at=interval.ended_at.isoformat() if interval.ended_at else None,
            duration_s=interval.duration_seconds,
        )
        entries.append(Entry(interval.started_at, interval.id, view))
    return entries


async def _checkpoints(
    session: AsyncSession,
    ticket: Ticket,
    window: TimelineWindow,
    after: Position | None,
    values: dict[str, Any],
) -> list[Entry]:
    C, S = Checkpoint, AgentSession
    query = (
        select(C, S.client_name, S.caller_origin)
        .outerjoin(S, S.id == C.session_id)
        .where(C.ticket_id == ticket.id, *_bounds(C.created_at, C.id, window, after))
        .order_by(C.created_at, C.id)
        .limit(LIMIT)
    )
    entries = []
    for checkpoint, client, origin in (await session.execute(query, values)).all():
        view = CheckpointEntry(
            kind="checkpoint",
            at=checkpoint.created_at.isoformat(),
            id=checkpoint.id,
            session_id=checkpoint.session_id,
            agent=_agent(checkpoint.session_id, client, checkpoint.agent_role, origin),
            status=checkpoint.status,
            progress_pct=checkpoint.progress_pct,
            details=checkpoint.details,
        )
        entries.append(Entry(checkpoint.created_at, checkpoint.id, view))
    return entries


async def _activity(
    session: AsyncSession,
    ticket: Ticket,
    window: TimelineWindow,
    after: Position | None,
    values: dict[str, Any],
) -> list[Entry]:
    R = ActivityRecord
    query = (
        select(*PAGE_COLUMNS)
        .where(
            R.org_id == ticket.org_id,
            R.ticket_id == str(ticket.id),
            *_bounds(R.timestamp, R.id, window, after),
        )
        .order_by(R.timestamp, R.id)
        .limit(LIMIT)
    )
    rows = (await session.execute(query, values)).all()
    return [
        Entry(
            row[2],
            row[0],
            ActivityEntry(
                kind="activity",
                at=row[2].isoformat(),
                id=row[0],
                record=Activity.model_validate(as_activity(row)),
            ),
        )
        for row in rows
    ]


def _agent(
    session_id: uuid.UUID | None, client: str | None, role: str | None, origin: str | None
) -> TimelineAgent | None:
    if session_id is None:
        return None
    name = agent_label(session_id, client, role)
    return TimelineAgent(name=name, client_name=client, role=role, origin=origin)


async def _name_people(session: AsyncSession, page: Iterable[Entry]) -> None:
    """Each interval's person by name, in one read for the page."""
    people = [entry.view.user for entry in page if isinstance(entry.view, IntervalEntry)]
    ids = uuids_of(person.id for person in people if person.id)
    if not ids:
        return
    names = dict((await session.execute(select(User.id, User.name).where(User.id.in_(ids)))).all())
    for person in people:
        try:
            person.name = names.get(uuid.UUID(person.id or ""))
        except (TypeError, ValueError):
            continue
