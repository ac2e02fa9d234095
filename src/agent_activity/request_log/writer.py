"""The request log's writer: every API request and MCP tool call becomes one activity record,
handed to a batching writer (db/batch_writer.py) so a request never waits to log itself.

Records are written every ``request_log_flush_interval_s`` (0.5 s by default) through
``ingest.store.write_activity_records``, the same path and rollups as the ingest API: by a helper
process (request_log/helper.py) unless ``request_log_process`` is off, the log is off
altogether, or the database lives in this process's memory, where no other process could reach
it. A graceful stop writes
everything still buffered; a crash loses at most the last flush interval.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_activity.config import Settings
from agent_activity.db.batch_writer import BatchWriter, in_transaction
from agent_activity.db.engine import reachable_from_other_processes
from agent_activity.domain.activity.store import write_activity_records
from agent_activity.request_log.helper import WriterProcess

RequestLogWriter = BatchWriter[dict[str, Any]]


def request_log_writer(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> RequestLogWriter:
    interval, max_batch = settings.request_log_flush_interval_s, settings.request_log_max_batch
    helped = settings.request_log_enabled and settings.request_log_process
    if helped and reachable_from_other_processes(settings.database_url):
        helper = WriterProcess(
            settings.database_url,
            log_level=settings.log_level,
            busy_timeout_s=settings.database_busy_timeout_s,
        )
        return BatchWriter(
            "request log",
            helper.write_batch,
            flush_interval_s=interval,
            max_batch=max_batch,
            prepare=helper.start,
            close=helper.close,
        )
    write_batch = in_transaction(write_activity_records, sessionmaker)
    return BatchWriter("request log", write_batch, flush_interval_s=interval, max_batch=max_batch)
