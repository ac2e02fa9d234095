"""Requests per token per minute, counted where every server process sees the same numbers.

A fixed one-minute window; the window's end is the Retry-After a limited caller gets. With
Redis, every request is one atomic increment there. Without it, a process counts in memory and
adds its count to the database row at most once per flush interval per token
(``BatchedCounter``), so a request does not write the database. Within one process the limit
is exact; across processes each one decides on the shared total as of its last flush plus its
own count since, so N processes let at most (N - 1) times what one token sends a process in one
flush interval past the limit (docs/security.md).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_activity.db.models import RateLimitCounter
from agent_activity.db.upsert import insert_for
from agent_activity.domain.errors import RateLimited

WINDOW_S = 60
FLUSH_INTERVAL_S = 1.0


class Counter(Protocol):
    async def increment(self, key: str, window_start: int) -> int: ...


class DatabaseCounter:
    """Counts in the rate_limit_counters table, in its own short transaction."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def increment(self, key: str, window_start: int, by: int = 1) -> int:
        async with self._sessionmaker() as session, session.begin():
            statement = (
                insert_for(session.get_bind().dialect.name, RateLimitCounter)
                .values(key=key, window_start=window_start, count=by)
                .on_conflict_do_update(
                    index_elements=["key", "window_start"],
                    set_={"count": RateLimitCounter.count + by},
                )
                .returning(RateLimitCounter.count)
            )
            count = (await session.execute(statement)).scalar_one()
            if count == by:
                # First hit of a new window: drop this key's old windows.
                await session.execute(
                    delete(RateLimitCounter).where(
                        RateLimitCounter.key == key, RateLimitCounter.window_start < window_start
                    )
                )
            return int(count)

    async def current(self, key: str, window_start: int) -> int:
        async with self._sessionmaker() as session:
            value = await session.scalar(
                select(RateLimitCounter.count).where(
                    RateLimitCounter.key == key, RateLimitCounter.window_start == window_start
                )
            )
            return int(value or 0)


class BatchedCounter:
    """Counts in this process's memory; adds to the database at most once per interval a key."""

    def __init__(
        self,
        store: DatabaseCounter,
        interval_s: float = FLUSH_INTERVAL_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.interval_s = interval_s
        self.monotonic = monotonic
        self.pending: dict[tuple[str, int], int] = {}
        self.shared: dict[tuple[str, int], int] = {}  # the stored total at the last flush
        self.flushed_at: dict[tuple[str, int], float] = {}

    async def increment(self, key: str, window_start: int) -> int:
        slot = (key, window_start)
        self.pending[slot] = self.pending.get(slot, 0) + 1
        now = self.monotonic()
        if now - self.flushed_at.get(slot, -math.inf) < self.interval_s:
            return self.shared.get(slot, 0) + self.pending[slot]
        self.flushed_at[slot] = now  # before the write, so concurrent requests do not all flush
        self.forget_before(window_start)
        by = self.pending.pop(slot)
        try:
            total = await self.store.increment(key, window_start, by)
        except BaseException:
            # Not stored (the database unreachable or locked): counted again at the next flush.
            self.pending[slot] = self.pending.get(slot, 0) + by
            raise
        self.shared[slot] = total
        return total + self.pending.get(slot, 0)

    def forget_before(self, window_start: int) -> None:
        for table in (self.pending, self.shared, self.flushed_at):
            for slot in [s for s in table if s[1] < window_start]:
                del table[slot]


class RedisCounter:
    """Counts in Redis: INCR with an expiry, one round trip."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(url)

    async def increment(self, key: str, window_start: int) -> int:
        name = f"agent-activity:rl:{key}:{window_start}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, WINDOW_S * 2)
            count, _ = await pipe.execute()
        return int(count)

    async def close(self) -> None:
        await self._redis.aclose()


class RateLimiter:
    def __init__(self, counter: Counter, per_minute: int) -> None:
        self.counter = counter
        self.per_minute = per_minute

    async def hit(self, key: str, now: datetime) -> None:
        """Count one request for ``key``; RateLimited once the window's allowance is spent."""
        if self.per_minute <= 0:
            return
        epoch = now.timestamp()
        window_start = int(epoch // WINDOW_S) * WINDOW_S
        count = await self.counter.increment(key, window_start)
        if count > self.per_minute:
            raise RateLimited(retry_after_s=max(1, math.ceil(window_start + WINDOW_S - epoch)))
