"""The request log's writer: every API request and MCP tool call becomes one activity record,
handed to a batching writer (db/batch_writer.py) so a request never waits to log itself.

Records are written every ``request_log_flush_interval_s`` (0.5 s by default) through
``ingest.store.write_activity_records``, the same path and rollups as the ingest API. A graceful
stop writes everything still buffered; a crash loses at most the last flush interval.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_activity.db.batch_writer import BatchWriter
from agent_activity.ingest.store import write_activity_records

RequestLogWriter = BatchWriter[dict[str, Any]]


def request_log_writer(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    flush_interval_s: float,
    max_batch: int,
    write_gate: AbstractAsyncContextManager[Any] | None = None,
) -> RequestLogWriter:
    return BatchWriter(
        "request log",
        write_activity_records,
        sessionmaker,
        flush_interval_s=flush_interval_s,
        max_batch=max_batch,
        write_gate=write_gate,
    )
