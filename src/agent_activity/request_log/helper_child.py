"""The request log's helper process (see request_log/helper.py): reads batches of records on
stdin, stores each through ``write_activity_records`` in a transaction of its own, and answers
on stdout: ``("ready", pid)`` once its engine is made, then per batch ``("ok", count)``,
``("retry", why)`` for a transient database error (nothing was stored) or ``("rejected", why)``.

It ignores SIGINT and SIGTERM: Ctrl-C in a terminal and a service manager's stop signal the
whole process group, and the server still has a buffer to hand over before it stops. It exits
when its stdin closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import signal
import sys
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_activity.config import Settings
from agent_activity.db.batch_writer import TRANSIENT
from agent_activity.db.engine import create_engine, create_sessionmaker
from agent_activity.db.models import ActivityRecord
from agent_activity.domain.activity.store import write_activity_records
from agent_activity.request_log.helper import FRAME, encode

logger = logging.getLogger("agent_activity.request_log")

ID_CHUNK = 500  # ids per lookup: under SQLite's bound-parameter limit
# The helper runs below the server's CPU priority: its batches can wait a moment, a request
# cannot. At the same priority the scheduler tended to run it on the core of the server that
# woke it, and its work came out of the server's throughput (on a 2-core machine, 6% at
# 10,000,000 records; at niceness 10 nothing measurable: docs/activity-log.md, "Request log").
NICENESS = 10


async def not_stored(session: AsyncSession, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``records`` less those whose id is already stored (a batch sent again)."""
    ids = [record["id"] for record in records]
    stored: set[Any] = set()
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start : start + ID_CHUNK]
        found = await session.scalars(select(ActivityRecord.id).where(ActivityRecord.id.in_(chunk)))
        stored.update(found)
    return [record for record in records if record["id"] not in stored]


async def store(
    sessionmaker: async_sessionmaker[AsyncSession], records: list[dict[str, Any]], check: bool
) -> tuple[str, Any]:
    try:
        async with sessionmaker() as session:
            if check:
                records = await not_stored(session, records)
            await write_activity_records(session, records)
            await session.commit()
    except TRANSIENT as error:
        logger.warning("request log helper: write failed; the server will retry", exc_info=True)
        return "retry", f"{type(error).__name__}: {error}"
    except Exception as error:
        logger.exception("request log helper: batch refused")
        return "rejected", f"{type(error).__name__}: {error}"
    return "ok", len(records)


def read_frame(stream: BinaryIO) -> Any:
    """The next message, or None at the end of the stream."""
    header = stream.read(FRAME.size)
    if len(header) < FRAME.size:
        return None
    (size,) = FRAME.unpack(header)
    payload = stream.read(size)
    return None if len(payload) < size else pickle.loads(payload)


def send(stream: BinaryIO, message: Any) -> None:
    stream.write(encode(message))
    stream.flush()


def serve(frames_in: BinaryIO, frames_out: BinaryIO) -> None:
    """Batches in, answers out, until the server closes the pipe. Reads block: there is
    nothing else to do meanwhile, and one event loop (the runner's) keeps the engine's pool
    across batches."""
    first = read_frame(frames_in)
    if first is None:
        return
    _, config = first
    logging.basicConfig(level=str(config["log_level"]).upper(), stream=sys.stderr)
    with asyncio.Runner() as runner:
        settings = Settings(
            database_url=config["database_url"],
            database_pool_size=1,
            database_busy_timeout_s=config["busy_timeout_s"],
        )
        engine = create_engine(settings)
        sessionmaker = create_sessionmaker(engine)
        try:
            send(frames_out, ("ready", os.getpid()))
            while (message := read_frame(frames_in)) is not None:
                _, records, check = message
                send(frames_out, runner.run(store(sessionmaker, records, check)))
        finally:
            runner.run(engine.dispose())


def lower_priority() -> None:
    with contextlib.suppress(AttributeError, OSError):  # no os.nice off POSIX
        os.nice(NICENESS)


def main() -> None:
    lower_priority()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # Frames go out on the original stdout; anything else printed lands on stderr.
    frames_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, frames_out)


if __name__ == "__main__":
    main()
