"""Realistic simulated data, so every endpoint of the spec has something to show.

Three projects on a board, six agents with sessions that are active, stale and ended, their work
intervals and checkpoints, 500 runs across every status and trigger, and 50,000 activity records
over the last seven days across users, apps, endpoints, augmentations, actions and outcomes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import Org, User
from agent_activity.demo.presence import add_presence
from agent_activity.demo.records import make_activity, make_run
from agent_activity.demo.world import AGENTS, DemoWorld, build_world
from agent_activity.domain.activity.store import write_activity_records

Progress = Callable[[str, int], None]  # (step description, units done)

__all__ = ["AGENTS", "DemoWorld", "Progress", "build_world", "fill", "make_activity", "make_run"]


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
    await add_presence(session, world, now, rng)
    report("board and presence", 0)
    for index in range(runs):
        session.add(make_run(world, world.agents[index % len(world.agents)], now, rng, index))
        if index % 100 == 99:
            await session.flush()
            report("runs", 100)
    await session.flush()
    batch_size = 1000
    for start in range(0, records, batch_size):
        batch = [make_activity(world, now, rng) for _ in range(min(batch_size, records - start))]
        await write_activity_records(session, batch)
        report("activity records", len(batch))
    return world
