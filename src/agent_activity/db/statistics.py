"""Planner statistics for SQLite, which keeps none unless asked (PostgreSQL's autovacuum does).

Without statistics SQLite guesses from index shapes alone, and for some queries guesses badly:
listing an agent's runs that have not started, sorted by completion, it walked the completion
index through every run of the agent (18 ms at 10,000 runs, growing with the agent) rather than
reading the few unstarted runs from the start index and sorting them (0.5 ms). With
``sqlite_stat1`` filled it picks the second plan.

``ANALYZE`` under ``analysis_limit`` samples a bounded number of rows per index, so it costs
tens of milliseconds at any size. Only ``agent_runs`` is sampled (see ``ANALYZED_TABLES``), and
only once it is large. It runs when the service starts and then every
``REFRESH_INTERVAL_S``, so the statistics follow the data as it grows. A connection reads the
statistics only when it opens, so each refresh bumps a generation and every pooled connection
reloads them (``ANALYZE sqlite_schema``, a read of the small stat table) at its next checkout.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AbstractAsyncContextManager
from typing import Any

import anyio
from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry

logger = logging.getLogger("agent_activity.statistics")

REFRESH_INTERVAL_S = 3600.0
ROWS_SAMPLED_PER_INDEX = 1000
SMALL_TABLE_ROWS = 10_000
# Only the tables whose plans statistics were measured to fix. On the activity log they made
# SQLite sort an org's whole feed for its first page (44 ms instead of 8 at 100,000 records):
# the org_id prefix, one value in the sample, looked useless to the planner.
ANALYZED_TABLES = ("agent_runs",)
LOADED = "planner_statistics_generation"  # in each pooled connection's info


class PlannerStatistics:
    """Keeps one engine's SQLite statistics fresh; does nothing on other databases."""

    def __init__(self, engine: AsyncEngine, write_gate: AbstractAsyncContextManager[Any]) -> None:
        self.engine = engine
        self.write_gate = write_gate
        self.generation = 0
        self.enabled = engine.dialect.name == "sqlite"
        if self.enabled:
            event.listen(engine.sync_engine, "connect", self._opened)
            event.listen(engine.sync_engine, "checkout", self._checked_out)

    def _opened(self, _connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
        record.info[LOADED] = self.generation  # opening loads the current statistics

    def _checked_out(
        self, connection: DBAPIConnection, record: ConnectionPoolEntry, _proxy: object
    ) -> None:
        if record.info.get(LOADED) != self.generation:
            cursor = connection.cursor()
            cursor.execute("ANALYZE sqlite_schema")
            cursor.close()
            record.info[LOADED] = self.generation

    async def refresh(self) -> bool:
        """Re-sample the statistics; False (and nothing done) off SQLite."""
        if not self.enabled:
            return False
        # ANALYZE writes sqlite_stat1, so it queues with the process's other writers.
        async with self.write_gate, self.engine.begin() as connection:
            await connection.exec_driver_sql(f"PRAGMA analysis_limit={ROWS_SAMPLED_PER_INDEX}")
            for table in ANALYZED_TABLES:
                await connection.exec_driver_sql(f"ANALYZE {table}")
            # A table measured while small would be planned as small (scanned) after it grew,
            # until the next refresh: MCP sessions, empty when the service starts, took twice
            # as long per tool call that way. Without statistics SQLite assumes a large table
            # and uses its indexes, so small tables keep no statistics.
            await connection.exec_driver_sql(
                "DELETE FROM sqlite_stat1 WHERE stat IS NULL "
                f"OR CAST(stat AS INTEGER) < {SMALL_TABLE_ROWS}"
            )
        self.generation += 1
        return True

    async def refresh_forever(self) -> None:
        """Refresh now, then every ``REFRESH_INTERVAL_S``; a failure waits for the next round."""
        while self.enabled:
            # A refresh in flight finishes even when the service stops: cancelled mid-statement,
            # its connection's thread would hand the result to an event loop already closed.
            refresh = asyncio.ensure_future(self.refresh())
            try:
                await asyncio.shield(refresh)
            except asyncio.CancelledError:
                await asyncio.gather(refresh, return_exceptions=True)
                raise
            except Exception:
                logger.exception("refreshing planner statistics failed; retrying next round")
            await anyio.sleep(REFRESH_INTERVAL_S)
