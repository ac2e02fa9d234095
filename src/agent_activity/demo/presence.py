"""Demo presence and work: agent sessions, their work intervals on tickets, their checkpoints.

Per project an active session at work, a stale one and two recently ended ones, plus ended
sessions spread over the last seven days, so tickets have a history. Intervals are counted by
the ticket rollups' own writers (``add_opened_interval``, ``add_closed_intervals``), exactly as
``start_work`` and ``stop_work`` count them, so a ticket's agent time is what its rows say.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.base import new_id
from agent_activity.db.models import AgentSession, Checkpoint, Project, Ticket, User, WorkInterval
from agent_activity.demo.world import ORIGINS, ROLES, DemoWorld
from agent_activity.domain.tickets.rollup import add_closed_intervals, add_opened_interval

# Sessions that worked a project earlier this week, besides the four of right now.
HISTORY_SESSIONS = 6
WEEK = timedelta(days=7)
STATUSES = ("planning", "implementing", "testing", "reviewing")


@dataclass
class Worked:
    """One agent session and what it did: when it was connected and its intervals."""

    agent: AgentSession
    connected: datetime
    last: datetime  # its last activity: the session's telemetry ends here
    intervals: list[WorkInterval] = field(default_factory=list)


def interval(
    agent: AgentSession, ticket_id: uuid.UUID, start: datetime, end: datetime | None
) -> WorkInterval:
    """A work interval of ``agent``'s session; open while ``end`` is None."""
    assert agent.project_id is not None
    return WorkInterval(
        id=new_id(),
        org_id=agent.org_id,
        project_id=agent.project_id,
        session_id=agent.id,
        ticket_id=ticket_id,
        agent_role=agent.caller_role,
        origin=agent.caller_origin,
        started_at=start,
        ended_at=end,
        duration_seconds=None if end is None else int((end - start).total_seconds()),
    )


def new_session(
    project: Project,
    user: User,
    rng: random.Random,
    connected: datetime,
    last: datetime,
    ended: bool,
) -> AgentSession:
    origin = rng.choice(ORIGINS)
    return AgentSession(
        id=new_id(),
        session_key=f"demo-{new_id().hex}",
        org_id=project.org_id,
        project_id=project.id,
        user_id=str(user.id),
        machine_id=f"{user.email.split('@')[0]}-laptop",
        caller_role=rng.choice(ROLES),
        caller_origin=origin,
        client_name=origin,
        client_version="1.0",
        protocol=rng.choice(["sessionless", "legacy"]),
        connected_at=connected,
        last_activity_at=last,
        ended_at=last if ended else None,
    )


def plan_intervals(
    worked: Worked, tickets: Sequence[Ticket], rng: random.Random, still_working: bool
) -> None:
    """Two to four closed intervals after connecting; an agent still working keeps the last
    one open."""
    cursor = worked.connected
    for _ in range(rng.randint(2, 4)):
        start = cursor + timedelta(seconds=rng.randint(30, 300))
        end = start + timedelta(seconds=rng.randint(120, 1500))
        if end >= worked.last:
            break
        worked.intervals.append(interval(worked.agent, rng.choice(tickets).id, start, end))
        cursor = end
    if still_working:
        start = max(cursor, worked.last - timedelta(minutes=rng.randint(5, 40)))
        worked.intervals.append(interval(worked.agent, rng.choice(tickets).id, start, None))


def checkpoints(worked: Worked, rng: random.Random) -> list[Checkpoint]:
    """Progress reported during each interval, rising as the work goes on."""
    found = []
    for work in worked.intervals:
        assert work.ticket_id is not None
        end = work.ended_at or worked.last
        steps = rng.randint(1, 3)
        for step in range(steps):
            share = (step + 1) / (steps + 1)
            status = STATUSES[min(step + rng.randint(0, 1), len(STATUSES) - 1)]
            pct = round(100 * share * rng.uniform(0.8, 1.0) / 5) * 5
            found.append(
                Checkpoint(
                    id=new_id(),
                    org_id=work.org_id,
                    project_id=work.project_id,
                    session_id=worked.agent.id,
                    ticket_id=work.ticket_id,
                    agent_role=work.agent_role or "implementer",
                    status=status,
                    progress_pct=float(pct),
                    details=f"{status.capitalize()}: step {step + 1} of {steps}",
                    created_at=work.started_at + (end - work.started_at) * share,
                )
            )
    return found


async def store_work(session: AsyncSession, done: Sequence[Worked], rng: random.Random) -> None:
    """Sessions, intervals and checkpoints, with the intervals counted on their tickets."""
    session.add_all([worked.agent for worked in done])
    await session.flush()
    intervals = [work for worked in done for work in worked.intervals]
    session.add_all(intervals)
    for worked in done:
        session.add_all(checkpoints(worked, rng))
    await session.flush()
    for work in intervals:
        await add_opened_interval(session, work)
    await add_closed_intervals(session, [work for work in intervals if work.ended_at is not None])


def history(
    project: Project,
    tickets: Sequence[Ticket],
    users: Sequence[User],
    now: datetime,
    rng: random.Random,
    sessions: int,
) -> list[Worked]:
    """``sessions`` ended sessions spread over the last week, each with its intervals."""
    done = []
    for _ in range(sessions):
        connected = now - WEEK + timedelta(seconds=rng.uniform(0, WEEK.total_seconds() - 4 * 3600))
        last = connected + timedelta(minutes=rng.randint(30, 150))
        agent = new_session(project, rng.choice(users), rng, connected, last, ended=True)
        worked = Worked(agent, connected, last)
        plan_intervals(worked, tickets, rng, still_working=False)
        done.append(worked)
    return done


def current(
    project: Project,
    tickets: Sequence[Ticket],
    users: Sequence[User],
    now: datetime,
    rng: random.Random,
) -> list[Worked]:
    """An active session at work, a stale one (still holding its interval), two ended ones."""
    done = []
    for state, silent_s in (("active", 5), ("stale", 95), ("ended", 3600), ("ended", 7200)):
        connected = now - timedelta(seconds=silent_s + rng.randint(600, 5400))
        last = now - timedelta(seconds=silent_s)
        ended = state == "ended"
        agent = new_session(project, rng.choice(users), rng, connected, last, ended=ended)
        worked = Worked(agent, connected, last)
        plan_intervals(worked, tickets, rng, still_working=not ended)
        done.append(worked)
    return done


async def add_presence(
    session: AsyncSession, world: DemoWorld, now: datetime, rng: random.Random
) -> list[Worked]:
    """Per project: the sessions of now and of earlier this week, with their work."""
    done: list[Worked] = []
    for project in world.projects:
        tickets = world.tickets[project.id]
        done += current(project, tickets, world.users, now, rng)
        done += history(project, tickets, world.users, now, rng, HISTORY_SESSIONS)
    await store_work(session, done, rng)
    return done
