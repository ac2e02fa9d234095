"""Realistic simulated data, so every endpoint of the spec has something to show.

Three projects on a board, agent sessions that are active, stale and ended (now and earlier this
week) with their work intervals and checkpoints, 500 runs across every status and trigger, and
50,000 activity records over the last seven days: a tenth of them the agents' own telemetry
(tool calls and model requests with tokens and cost, on the tickets they worked), the rest
apps' traffic across users, apps, endpoints, augmentations, actions and outcomes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import Org, User
from agent_activity.demo.ledger import TELEMETRY_SHARE, add_telemetry
from agent_activity.demo.presence import add_presence
from agent_activity.demo.records import make_activity, make_run
from agent_activity.demo.world import AGENTS, DemoWorld, build_world
from agent_activity.domain.activity.store import write_activity_records

Progress = Callable[[str, int], None]  # (step description, units done)

__all__ = [
    "AGENTS",
    "TELEMETRY_SHARE",
    "DemoWorld",
    "Progress",
    "build_world",
    "fill",
    "make_activity",
    "make_run",
]


async def fill(
    session: AsyncSession,
    org: Org,
    admin: User,
    now: datetime,
    *,
    runs: int = 500,
    records: int = 50_000,
    seed: int = 7,
    progress: Progress | None = None,
) -> DemoWorld:
    """Fill ``org`` with the demo world; the caller commits."""
    rng = random.Random(seed)
    report = progress or (lambda _step, _n: None)
    world = await build_world(session, org, admin, rng)
    worked = await add_presence(session, world, now, rng)
    report("board and presence", 0)
    agent_records = round(records * TELEMETRY_SHARE)
    workspaces = {project.id: project.workspace_id for project in world.projects}
    await add_telemetry(session, world.org, worked, workspaces, now, rng, agent_records)
    report("agent telemetry", agent_records)
    for index in range(runs):
        session.add(make_run(world, world.agents[index % len(world.agents)], now, rng, index))
        if index % 100 == 99:
            await session.flush()
            report("runs", 100)
    await session.flush()
    batch_size, traffic = 1000, records - agent_records
    for start in range(0, traffic, batch_size):
        batch = [make_activity(world, now, rng) for _ in range(min(batch_size, traffic - start))]
        await write_activity_records(session, batch)
        report("activity records", len(batch))
    return world
