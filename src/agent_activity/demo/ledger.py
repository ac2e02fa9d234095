"""The demo agents' telemetry, stored the way the OTLP receiver stores a real agent's.

Each agent session gets a telemetry session (Claude Code's or Codex's, by its origin) joined
to it, as its first MCP tool call would have joined it. Its tool calls and model requests fall
mostly inside its work intervals and some outside them (planning before the first ticket,
answering after the last); they are made by the receiver's own mappers, from a token of the
session's person, and stored with ``store_telemetry``, which attributes each to the ticket of
the interval open at its time and counts it in the ticket rollups.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import Org
from agent_activity.demo import telemetry
from agent_activity.demo.presence import Worked
from agent_activity.domain.telemetry.joins import JoinKey, write_joins
from agent_activity.domain.telemetry.store import store_telemetry
from agent_activity.domain.tenancy.access import ProjectRef
from agent_activity.domain.tenancy.principal import INGEST, Principal
from agent_activity.domain.tenancy.tokens import create_token
from agent_activity.otlp.items import Privacy, Source

# Of all the demo's activity records, this share is agent telemetry (the rest is apps' traffic).
TELEMETRY_SHARE = 0.1
# Time outside any interval weighs this much against time inside one: agents mostly work.
OUTSIDE_WEIGHT = 0.1
PRIVACY = Privacy(store_content=False, store_prompts=False, content_max_chars=0)
# (index of the session, start, end, the ticket of the interval it is, None between two)
Segment = tuple[int, datetime, datetime, uuid.UUID | None]


def segments(done: Sequence[Worked]) -> tuple[list[Segment], list[float]]:
    """Every stretch of each session's life, inside an interval or between two, with weights."""
    found: list[Segment] = []
    weights: list[float] = []
    for index, worked in enumerate(done):
        cursor = worked.connected
        for work in sorted(worked.intervals, key=lambda w: w.started_at):
            end = min(work.ended_at or worked.last, worked.last)
            for start, stop, weight, ticket in (
                (cursor, work.started_at, OUTSIDE_WEIGHT, None),
                (work.started_at, end, 1.0, work.ticket_id),
            ):
                if stop > start:
                    found.append((index, start, stop, ticket))
                    weights.append(weight * (stop - start).total_seconds())
            cursor = max(cursor, end)
        if worked.last > cursor:
            found.append((index, cursor, worked.last, None))
            weights.append(OUTSIDE_WEIGHT * (worked.last - cursor).total_seconds())
    return found, weights


async def sources(
    session: AsyncSession, org: Org, done: Sequence[Worked], now: datetime
) -> dict[str, Source]:
    """One ingest token per person with sessions, as each developer's agents would send with."""
    found: dict[str, Source] = {}
    for worked in done:
        user = worked.agent.user_id
        if user is None or user in found:
            continue
        issued = await create_token(
            session,
            org_id=org.id,
            principal_type="user",
            principal_id=uuid.UUID(user),
            name="demo agent telemetry",
            scopes=[INGEST],
        )
        principal = Principal(issued.token.id, org.id, "user", uuid.UUID(user), frozenset([INGEST]))
        found[user] = Source(principal, None, now, PRIVACY)
    return found


def project_source(source: Source, worked: Worked, workspace_id: uuid.UUID) -> Source:
    """The source as an export with the session's ``X-Project-Id`` header would have it."""
    assert worked.agent.project_id is not None
    project = ProjectRef(worked.agent.project_id, worked.agent.org_id, workspace_id)
    return Source(source.principal, project, source.received_at, source.privacy)


async def add_telemetry(
    session: AsyncSession,
    org: Org,
    done: Sequence[Worked],
    workspaces: dict[uuid.UUID, uuid.UUID],
    now: datetime,
    rng: random.Random,
    count: int,
) -> int:
    """About ``count`` telemetry records over the sessions of ``done``; returns how many were
    stored. ``workspaces`` maps each project to its workspace."""
    if count <= 0 or not done:
        return 0
    found, weights = segments(done)
    if not found:
        return 0
    per_segment = Counter(rng.choices(range(len(found)), weights=weights, k=count))
    by_user = await sources(session, org, done, now)
    agents = [
        telemetry.AgentTelemetry.new(telemetry.agent_of_origin(w.agent.caller_origin or ""), rng)
        for w in done
    ]
    joins = [JoinKey(org.id, agents[i].session_id, w.agent.id) for i, w in enumerate(done)]
    await write_joins(session, joins)
    stored = 0
    for index, worked in enumerate(done):
        events = []
        for number, (owner, start, end, _) in enumerate(found):
            if owner == index and per_segment[number]:
                events += telemetry.work(agents[index], rng, start, end, per_segment[number])
        if not events or worked.agent.user_id is None or worked.agent.project_id is None:
            continue
        source = project_source(
            by_user[worked.agent.user_id], worked, workspaces[worked.agent.project_id]
        )
        items = telemetry.mapped(source, telemetry.export(agents[index], events))
        stored += (await store_telemetry(session, org.id, items, now)).inserted
    return stored
