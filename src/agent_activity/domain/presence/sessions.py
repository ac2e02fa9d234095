"""Agent presence, the write side: sessions and work intervals (checkpoints: checkpoints.py).

A session is one connected agent client on one project, keyed by the spec's ``session_id``
(stored as ``session_key``). Every tool call touches its session; a session silent past
``session_timeout_s`` is ended and its open interval closed at its last activity. Expiry runs
lazily (when a session is touched again, when a project's presence is read) and in a periodic
sweep; every step is an idempotent conditional update, and the sweep locks rows with
``SKIP LOCKED`` on PostgreSQL, so several processes may run it at once.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, and_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from agent_activity.db.base import new_id
from agent_activity.db.models import AgentSession, Ticket, WorkInterval
from agent_activity.db.upsert import insert_for
from agent_activity.domain.errors import Conflict, FieldIssue, Forbidden, Invalid
from agent_activity.domain.presence.client import ClientIdentity
from agent_activity.domain.presence.reconnects import continue_recent_session
from agent_activity.domain.tenancy.access import ProjectRef
from agent_activity.domain.tenancy.principal import Principal
from agent_activity.domain.tickets import rollup as ticket_usage

ROLE_MAX = 64
SWEEP_BATCH = 500
# find_live_session leaves sessions this close to their timeout to the long way.
LIVE_MARGIN_S = 10.0


def seconds_between(start: datetime, end: datetime) -> int:
    return max(0, math.floor((end - start).total_seconds()))


async def open_interval(session: AsyncSession, agent: AgentSession) -> WorkInterval | None:
    statement = (
        select(WorkInterval)
        .where(WorkInterval.session_id == bindparam("agent_id"), WorkInterval.ended_at.is_(None))
        .order_by(WorkInterval.started_at.desc())
        .limit(1)
    )
    return await session.scalar(statement, {"agent_id": agent.id})


async def close_open_intervals(session: AsyncSession, agent_id: uuid.UUID, at: datetime) -> None:
    """End the session's open intervals at ``at``, adding their time to the ticket rollups: each
    close is conditional, so two processes ending one interval at once count its time once."""
    intervals = await session.scalars(
        select(WorkInterval).where(
            WorkInterval.session_id == agent_id, WorkInterval.ended_at.is_(None)
        )
    )
    closed = []
    for interval in list(intervals):
        end = max(at, interval.started_at)
        duration = seconds_between(interval.started_at, end)
        result = await session.execute(
            update(WorkInterval)
            .where(WorkInterval.id == interval.id, WorkInterval.ended_at.is_(None))
            .values(ended_at=end, duration_seconds=duration)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0):
            set_committed_value(interval, "ended_at", end)
            set_committed_value(interval, "duration_seconds", duration)
            closed.append(interval)
    await ticket_usage.add_closed_intervals(session, closed)


@dataclass(frozen=True)
class Touched:
    agent: AgentSession
    # The session was already live on this project, so its intervals are as they were; else it
    # was created, revived or moved here, which may have closed them.
    was_live: bool
    # No interval of the session is open: it was created by this transaction (nothing else can
    # refer to it yet) or its intervals were just closed.
    nothing_open: bool = False


async def touch_session(
    session: AsyncSession,
    principal: Principal,
    project: ProjectRef,
    identity: ClientIdentity,
    now: datetime,
    timeout_s: float,
    continue_within_s: float = 0.0,
) -> Touched:
    """The caller's session, created or revived, with its last activity set to ``now``.

    A new session key continues the same client's session active in the last
    ``continue_within_s`` (domain/presence/reconnects.py) rather than opening another.
    """
    agent = await _touch_live_session(session, principal, project, identity, now, timeout_s)
    if agent is not None:
        return Touched(agent, was_live=True)
    agent = await _session_by_key(session, identity.session_key)
    nothing_open = False
    if agent is None:
        agent = await continue_recent_session(
            session,
            principal,
            project,
            identity.client_name,
            identity.machine_id,
            identity.session_key,
            now,
            continue_within_s,
        )
    if agent is None:
        agent, nothing_open = await _insert_session(session, principal, project, identity, now)
    elif agent.org_id != principal.org_id or agent.token_id != principal.token_id:
        # A legacy session id is only a bearer of identity together with its own token.
        raise Forbidden("This MCP session belongs to another token", required_permission="session")
    elif agent.ended_at is not None or now - agent.last_activity_at > timedelta(seconds=timeout_s):
        # Silent past the timeout: end what was open at its last activity, then start afresh.
        await close_open_intervals(session, agent.id, agent.last_activity_at)
        agent.connected_at = now
        nothing_open = True
    if agent.project_id != project.id:
        await close_open_intervals(session, agent.id, now)
        agent.project_id = project.id
        nothing_open = True
    agent.ended_at = None
    agent.last_activity_at = max(now, agent.last_activity_at)
    agent.machine_id = identity.machine_id
    agent.caller_origin = identity.origin
    agent.client_name = identity.client_name
    agent.client_version = identity.client_version
    await session.flush()
    return Touched(agent, was_live=False, nothing_open=nothing_open)


def _live_here() -> tuple[ColumnElement[bool], ...]:
    """The caller's session is live on this project: no long way needed to touch it."""
    return (
        AgentSession.session_key == bindparam("key"),
        AgentSession.org_id == bindparam("caller_org"),
        AgentSession.token_id == bindparam("caller_token"),
        AgentSession.project_id == bindparam("project"),
        AgentSession.ended_at.is_(None),
        AgentSession.last_activity_at.between(bindparam("live_since"), bindparam("now")),
    )


def _live_parameters(
    principal: Principal,
    project: ProjectRef,
    identity: ClientIdentity,
    live_since: datetime,
    now: datetime,
) -> dict[str, object]:
    return {
        "now": now,
        "key": identity.session_key,
        "caller_org": principal.org_id,
        "caller_token": principal.token_id,
        "project": project.id,
        "live_since": live_since,
    }


def touched_columns(at: str) -> dict[str, BindParameter[Any]]:
    """What a touch sets: the last activity (bound as ``at``) and who the client says it is."""
    return {
        "last_activity_at": bindparam(at),
        "machine_id": bindparam("machine"),
        "caller_origin": bindparam("origin"),
        "client_name": bindparam("client"),
        "client_version": bindparam("version"),
    }


def touch_parameters(identity: ClientIdentity) -> dict[str, object]:
    return {
        "machine": identity.machine_id,
        "origin": identity.origin,
        "client": identity.client_name,
        "version": identity.client_version,
    }


async def _touch_live_session(
    session: AsyncSession,
    principal: Principal,
    project: ProjectRef,
    identity: ClientIdentity,
    now: datetime,
    timeout_s: float,
) -> AgentSession | None:
    """The common case in one statement: the caller's session is live on this project.

    None when it is not (new, ended, silent past the timeout, another project or token, or a
    clock that went back), and ``touch_session`` takes the long way that handles each case.
    """
    statement = (
        update(AgentSession)
        .where(*_live_here())
        .values(touched_columns("now"))
        .returning(AgentSession)
        .execution_options(synchronize_session=False)
    )
    live_since = now - timedelta(seconds=timeout_s)
    parameters = _live_parameters(principal, project, identity, live_since, now)
    parameters.update(touch_parameters(identity))
    return (await session.scalars(statement, parameters)).one_or_none()


def safely_live_for(timeout_s: float) -> timedelta:
    """How long after its last activity a session may be taken as live without the write that
    would keep a sweep off it: the timeout less ``LIVE_MARGIN_S`` (at most half of it)."""
    return timedelta(seconds=timeout_s - min(LIVE_MARGIN_S, timeout_s / 2))


async def find_live_session(
    session: AsyncSession,
    principal: Principal,
    project: ProjectRef,
    identity: ClientIdentity,
    now: datetime,
    timeout_s: float,
) -> tuple[AgentSession, WorkInterval | None] | None:
    """The caller's session and its open interval when it is live on this project, by one read.

    For a touch written behind the call (domain/presence/touches.py). A session within a
    margin of its timeout is not returned, so a sweep cannot end it between this read and the
    write of its touch: the caller then takes ``touch_session``'s own transaction.
    """
    statement = (
        select(AgentSession, WorkInterval)
        .outerjoin(
            WorkInterval,
            and_(WorkInterval.session_id == AgentSession.id, WorkInterval.ended_at.is_(None)),
        )
        .where(*_live_here())
        .order_by(WorkInterval.started_at.desc())
        .limit(1)
    )
    live_since = now - safely_live_for(timeout_s)
    parameters = _live_parameters(principal, project, identity, live_since, now)
    row = (await session.execute(statement, parameters)).first()
    return None if row is None else (row[0], row[1])


async def _insert_session(
    session: AsyncSession,
    principal: Principal,
    project: ProjectRef,
    identity: ClientIdentity,
    now: datetime,
) -> tuple[AgentSession, bool]:
    """Insert-if-absent, so two first calls of one client racing each other both succeed; the
    session, and whether this call inserted it."""
    dialect = session.get_bind().dialect.name
    statement = (
        insert_for(dialect, AgentSession)
        .values(
            id=new_id(),
            session_key=identity.session_key,
            org_id=principal.org_id,
            project_id=project.id,
            token_id=principal.token_id,
            user_id=str(principal.principal_id),
            machine_id=identity.machine_id,
            caller_origin=identity.origin,
            client_name=identity.client_name,
            client_version=identity.client_version,
            protocol=identity.protocol,
            connected_at=now,
            last_activity_at=now,
        )
        .on_conflict_do_nothing(index_elements=["session_key"])
        .returning(AgentSession)
    )
    inserted = (await session.scalars(statement)).one_or_none()
    if inserted is not None:
        return inserted, True
    existing = await _session_by_key(session, identity.session_key)  # the racing call's
    assert existing is not None
    return existing, False


async def _session_by_key(session: AsyncSession, key: str) -> AgentSession | None:
    statement = select(AgentSession).where(AgentSession.session_key == bindparam("key"))
    return await session.scalar(statement, {"key": key})


def check_role(role: object) -> str:
    if not isinstance(role, str) or not role.strip():
        raise Invalid(
            "Invalid role: a non-empty role is required", [FieldIssue(("role",), "required")]
        )
    if len(role.strip()) > ROLE_MAX:
        raise Invalid(
            f"Invalid role: at most {ROLE_MAX} characters", [FieldIssue(("role",), "too long")]
        )
    return role.strip()


async def start_work(
    session: AsyncSession,
    agent: AgentSession,
    ticket: Ticket,
    role: str,
    now: datetime,
    *,
    nothing_open: bool = False,
) -> tuple[WorkInterval, WorkInterval | None]:
    """Open a work interval on ``ticket``; the caller's previous open interval ends now.
    ``nothing_open`` (``Touched.nothing_open``) spares looking for one."""
    role = check_role(role)
    previous = None
    if not nothing_open:
        previous = await open_interval(session, agent)
        await close_open_intervals(session, agent.id, now)
    agent.caller_role = role
    interval = WorkInterval(
        org_id=agent.org_id,
        project_id=ticket.project_id,
        session_id=agent.id,
        ticket_id=ticket.id,
        agent_role=role,
        origin=agent.caller_origin,
        started_at=now,
    )
    session.add(interval)
    await session.flush()
    await ticket_usage.add_opened_interval(session, interval)
    return interval, previous


async def stop_work(session: AsyncSession, agent: AgentSession, now: datetime) -> WorkInterval:
    """End the caller's open interval; it then shows in the project's session_history."""
    interval = await open_interval(session, agent)
    if interval is None:
        raise Conflict("No work in progress on this session: call start_work first")
    await close_open_intervals(session, agent.id, now)
    await session.flush()
    return interval


async def expire_sessions(
    session: AsyncSession, now: datetime, timeout_s: float, project_id: uuid.UUID | None = None
) -> int:
    """End sessions silent past the timeout (one project's, or all); returns how many."""
    cutoff = now - timedelta(seconds=timeout_s)
    query = select(AgentSession.id, AgentSession.last_activity_at).where(
        AgentSession.ended_at.is_(None), AgentSession.last_activity_at < cutoff
    )
    if project_id is not None:
        query = query.where(AgentSession.project_id == project_id)
    # SKIP LOCKED: concurrent PostgreSQL sweepers take disjoint rows and never wait on each other.
    query = query.limit(SWEEP_BATCH).with_for_update(skip_locked=True)
    ended = 0
    for agent_id, last_activity in (await session.execute(query)).all():
        # Conditional, so a concurrent sweeper (or a touch that revived it) wins cleanly.
        result = await session.execute(
            update(AgentSession)
            .where(
                AgentSession.id == agent_id,
                AgentSession.ended_at.is_(None),
                AgentSession.last_activity_at < cutoff,
            )
            .values(ended_at=last_activity)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0):
            ended += 1
            await close_open_intervals(session, agent_id, last_activity)
    await session.flush()
    return ended
