"""`python -m bench.write_path`: records/s of ``write_activity_records`` alone, per engine.

The write path every producer shares (ingest, OTLP, MCP, the request log) without HTTP or
decoding around it: batches of the demo's records (as ingest hands them over, before
``normalise``) written one transaction per batch into a fresh migrated database. ``--profile``
prints cProfile's top functions of the measured loop.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from agent_activity import demo
from agent_activity.config import Settings
from agent_activity.db.engine import create_engine, create_sessionmaker
from agent_activity.domain.activity.store import write_activity_records
from agent_activity.gc_policy import freeze_startup_objects
from bench.storage import create_database, drop_database
from bench.world import build_world, demo_world

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def records(
    world: demo.DemoWorld, org_id: uuid.UUID, count: int, seed: int
) -> list[dict[str, Any]]:
    """``count`` records in the last hour, as ingest passes them: the client's id, metadata."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    made = []
    for index in range(count):
        row = demo.make_activity(world, now, rng)
        row.pop("total_tokens", None)
        row.update(
            id=None,
            org_id=org_id,
            external_id=f"bench-{seed}-{index}",
            timestamp=now - timedelta(seconds=rng.random() * 3600),
            record_metadata={"source": "bench", "attributes": {"seed": seed, "n": index}},
            received_at=now,
        )
        made.append(row)
    return made


async def measure(
    engine: str, batches: int, batch: int, postgres_url: str, profile: bool
) -> tuple[float, float]:
    """(records/s, this process's CPU µs per record): on a busy machine the CPU figure is the
    steadier one, and it is what the write path's Python costs (SQLite's own work included, as
    it runs in this process; PostgreSQL's server is not)."""
    with tempfile.TemporaryDirectory() as workdir:
        database = await create_database(engine, Path(workdir), postgres_url)
        sa_engine = create_engine(Settings(database_url=database.url, request_log_enabled=False))
        try:
            sessionmaker = create_sessionmaker(sa_engine)
            async with sessionmaker() as session, session.begin():
                world = await build_world(session, mcp_projects=1)
            org_id = uuid.UUID(world.org_id)
            shaped = demo_world(world)
            prepared = [records(shaped, org_id, batch, seed) for seed in range(batches)]
            # As a serving process does after its start, so the prepared records are not
            # walked by every full collection.
            freeze_startup_objects()
            profiler = cProfile.Profile() if profile else None
            started, cpu_started = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            for chunk in prepared:
                async with sessionmaker() as session, session.begin():
                    await write_activity_records(session, chunk)
            if profiler:
                profiler.disable()
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            if profiler:
                pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
            return batches * batch / elapsed, cpu * 1e6 / (batches * batch)
        finally:
            await sa_engine.dispose()
            await drop_database(database, postgres_url)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.write_path", description=__doc__)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    for engine in engines:
        rate, cpu_us = asyncio.run(
            measure(engine, args.batches, args.batch, args.postgres_url, args.profile)
        )
        print(
            f"{engine}: {rate:,.0f} records/s, {cpu_us:.1f} µs CPU per record"
            f" ({args.batches} batches of {args.batch:,})"
        )


if __name__ == "__main__":
    main()
