"""Agent presence, the read side: the payloads of spec files 000, 001 and 002.

Durations (``connected_for_s``, ``working_for_s``) and ``stale`` are computed at request time
from the stored timestamps, so every process answers the same for the same clock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_activity.config import Settings
from agent_activity.db.models import AgentSession, Checkpoint, Ticket, WorkInterval
from agent_activity.db.reads import Read, read_many
from agent_activity.domain.presence.results import (
    ActiveSession,
    AgentActivity,
    AgentSessionView,
    CheckpointView,
    HistoryEntry,
)
from agent_activity.domain.presence.sessions import expire_sessions, seconds_between

# `agent-sessions?active=false` lists at most this many sessions, most recently active first.
RECENT_SESSIONS_LIMIT = 200
DEFAULT_ROLE = "agent"
UNKNOWN_ORIGIN = "unknown"


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Expiry:
    """How a reader ends a project's silent sessions: in a transaction of its own.

    The board reads on a session without a transaction (db.engine.create_read_sessionmaker);
    the rare write it may need must still be atomic (a session ended with its interval closed).
    """

    sessionmaker: async_sessionmaker[AsyncSession]
    timeout_s: float

    async def __call__(self, project_id: uuid.UUID, now: datetime) -> None:
        async with self.sessionmaker() as session, session.begin():
            await expire_sessions(session, now, self.timeout_s, project_id)


async def project_activity(
    session: AsyncSession,
    project_id: uuid.UUID,
    now: datetime,
    settings: Settings,
    expire: Expiry,
) -> AgentActivity:
    """File 001: live sessions, recent checkpoints, recent completed work intervals.

    ``session`` only reads; a session past the timeout is ended by ``expire`` first.
    """
    project = {"project": project_id}
    live_read = Read(_live_sessions_query, project)
    history_read = Read(_history_query, project | {"limit": settings.session_history_limit})
    checkpoints_read = Read(_checkpoints_query, project | {"limit": settings.checkpoint_limit})
    live_rows, checkpoint_rows, history_rows = await read_many(
        session, live_read, checkpoints_read, history_read
    )
    live = _live_sessions(live_rows, now, settings)
    if live is None:
        # Lazy expiry, only when a session is past the timeout: end it (closing its interval,
        # which then belongs in the history) and read the live ones and the history again.
        # The reader's connection goes back to its pool first, so that no reader is held
        # while waiting for the writer.
        await session.commit()
        await expire(project_id, now)
        live_rows, history_rows = await read_many(session, live_read, history_read)
        live = _live_sessions(live_rows, now, settings)
    return AgentActivity(
        sessions=live or [],
        checkpoints=_checkpoints(checkpoint_rows),
        session_history=_history(history_rows),
    )


def _live_sessions(
    rows: list[tuple[Any, ...]], now: datetime, settings: Settings
) -> list[ActiveSession] | None:
    """The project's live sessions, or None when one of them is due to be expired first."""
    cutoff = now - timedelta(seconds=settings.session_timeout_s)
    # Keyed by session: should one session hold two open intervals, the latest one wins.
    by_session: dict[uuid.UUID, ActiveSession] = {}
    stale_after = timedelta(seconds=settings.stale_after_s)
    for (
        agent_id,
        connected_at,
        last_activity_at,
        caller_role,
        caller_origin,
        interval_id,
        ticket_id,
        interval_role,
        started_at,
        number,
    ) in rows:
        if last_activity_at < cutoff:
            return None
        working = interval_id is not None
        by_session[agent_id] = ActiveSession(
            ticket_id=ticket_id if working and ticket_id else None,
            ticket_number=number if working and ticket_id else None,
            role=(interval_role if working else None) or caller_role or DEFAULT_ROLE,
            origin=caller_origin or UNKNOWN_ORIGIN,
            connected_for_s=seconds_between(connected_at, now),
            working_for_s=seconds_between(started_at, now) if working else None,
            stale=now - last_activity_at > stale_after,
        )
    return list(by_session.values())


def _live_sessions_query() -> Select[*tuple[Any, ...]]:
    a, w = AgentSession, WorkInterval
    return (
        select(
            a.id,
            a.connected_at,
            a.last_activity_at,
            a.caller_role,
            a.caller_origin,
            w.id,
            w.ticket_id,
            w.agent_role,
            w.started_at,
            Ticket.number,
        )
        .outerjoin(w, and_(w.session_id == a.id, w.ended_at.is_(None)))
        .outerjoin(Ticket, Ticket.id == w.ticket_id)
        .where(a.project_id == bindparam("project"), a.ended_at.is_(None))
        .order_by(a.connected_at, a.id, w.started_at)
    )


def _checkpoints_query() -> Select[*tuple[Any, ...]]:
    c = Checkpoint
    return (
        select(c.ticket_id, c.agent_role, c.status, c.progress_pct, c.details, c.created_at)
        .where(c.project_id == bindparam("project"))
        .order_by(c.created_at.desc(), c.id.desc())
        .limit(bindparam("limit"))
    )


def _checkpoints(rows: list[tuple[Any, ...]]) -> list[CheckpointView]:
    return [
        CheckpointView(
            ticket_id=ticket_id,
            agent_role=agent_role,
            status=status,
            progress_pct=progress_pct,
            details=details,
            created_at=created_at,
        )
        for ticket_id, agent_role, status, progress_pct, details, created_at in rows
    ]


def _history_query() -> Select[*tuple[Any, ...]]:
    w = WorkInterval
    return (
        select(
            w.id,
            w.ticket_id,
            w.duration_seconds,
            w.started_at,
            w.ended_at,
            w.agent_role,
            w.origin,
        )
        .where(w.project_id == bindparam("project"), w.ended_at.is_not(None))
        .order_by(w.ended_at.desc(), w.id.desc())
        .limit(bindparam("limit"))
    )


def _history(rows: list[tuple[Any, ...]]) -> list[HistoryEntry]:
    history = []
    for interval_id, ticket_id, duration, started_at, ended_at, agent_role, origin in rows:
        assert ended_at is not None  # the query keeps completed intervals only
        history.append(
            HistoryEntry(
                id=interval_id,
                ticket_id=ticket_id or None,
                duration_seconds=duration
                if duration is not None
                else seconds_between(started_at, ended_at),
                started_at=started_at,
                ended_at=ended_at,
                agent_role=agent_role,
                origin=origin,
            )
        )
    return history


async def project_sessions(
    session: AsyncSession,
    project_id: uuid.UUID,
    now: datetime,
    settings: Settings,
    *,
    active: bool,
) -> list[AgentSessionView]:
    """File 002: sessions active within the window, or (``active=False``) recent ones too."""
    await expire_sessions(session, now, settings.session_timeout_s, project_id)
    query = select(AgentSession).where(AgentSession.project_id == project_id)
    if active:
        cutoff = now - timedelta(seconds=settings.active_window_s)
        query = query.where(
            AgentSession.ended_at.is_(None), AgentSession.last_activity_at >= cutoff
        )
    query = query.order_by(AgentSession.last_activity_at.desc(), AgentSession.id.desc())
    rows = await session.scalars(query.limit(RECENT_SESSIONS_LIMIT))
    return [
        AgentSessionView(
            session_id=agent.session_key,
            machine_id=agent.machine_id,
            user_id=agent.user_id,
            project_id=agent.project_id,
            caller_role=agent.caller_role,
            caller_origin=agent.caller_origin,
            connected_at=agent.connected_at,
            last_activity_at=agent.last_activity_at,
        )
        for agent in rows
    ]
