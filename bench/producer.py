"""Bulk data from a producer process: generating a row costs about as much as writing it, so
a second process generates and prepares the next batches while the harness writes this one."""

from __future__ import annotations

import asyncio
import multiprocessing
import random
from collections.abc import AsyncIterator
from datetime import datetime
from queue import Empty
from typing import Any

from agent_activity.db.driver_rows import Tuples
from bench import datagen
from bench.layout import PreparedRecords, Preparer
from bench.ledger import BoardTelemetry
from bench.world import World, demo_world

BATCH = 10_000
QUEUED = 4  # batches prepared ahead


def produce(kind: str, options: dict[str, Any], queue: Any) -> None:
    """The producer's body: prepared batches of ``kind`` (records | runs), then None."""
    plain = World.from_json(options["world"])
    world = demo_world(plain)
    now = datetime.fromisoformat(options["now"])
    preparer = Preparer(options["dialect"])
    count, seed = options["count"], options["seed"]
    board = None
    if plain.ledger:
        board = BoardTelemetry(plain.ledger, world.org.id, random.Random(seed))
    try:
        if kind == "records":
            batches = datagen.activity_batches(
                world, now, count, seed=seed, batch=BATCH, board=board
            )
            for rows in batches:
                queue.put(preparer.prepare_records(rows))
        else:
            hot = options["hot"]
            for rows in datagen.run_batches(world, now, count, hot, seed=seed, batch=BATCH):
                queue.put(preparer.prepare_runs(rows))
    finally:
        queue.put(None)


async def prepared(
    kind: str, world: World, now: datetime, dialect: str, count: int, seed: int, hot: int = 0
) -> AsyncIterator[Any]:
    """Yield prepared batches from a new producer process."""
    context = multiprocessing.get_context("spawn")  # no fork of a process with open connections
    queue = context.Queue(maxsize=QUEUED)
    options = {
        "world": world.to_json(),
        "now": now.isoformat(),
        "dialect": dialect,
        "count": count,
        "seed": seed,
        "hot": hot,
    }
    process = context.Process(target=produce, args=(kind, options, queue), daemon=True)
    process.start()
    finished = False
    try:
        while True:
            try:
                batch = await asyncio.to_thread(queue.get, True, 5.0)
            except Empty:
                if process.is_alive():
                    continue
                message = f"the data producer died (exit code {process.exitcode})"
                raise RuntimeError(message) from None
            if batch is None:
                finished = True
                break
            yield batch
    finally:
        if not finished:  # the reader stopped early (a stopped run): its batches are not wanted
            process.terminate()
        process.join(timeout=10)
        if finished and process.exitcode not in (0, None):
            raise RuntimeError(f"the data producer failed (exit code {process.exitcode})")


async def prepared_records(
    world: World, now: datetime, dialect: str, count: int, seed: int
) -> AsyncIterator[PreparedRecords]:
    async for batch in prepared("records", world, now, dialect, count, seed):
        yield batch


async def prepared_runs(
    world: World, now: datetime, dialect: str, count: int, hot: int, seed: int
) -> AsyncIterator[Tuples]:
    async for batch in prepared("runs", world, now, dialect, count, seed, hot):
        yield batch
