"""Group commit: many callers' small writes stored in one transaction, each caller answered
only once its write is committed.

A tool call that records something (a progress checkpoint) must not be acknowledged before it
is stored, so it cannot be written behind like a heartbeat's touch. Alone, each such call is a
transaction of its own, and on SQLite transactions take turns: every statement of the holder
is a round trip through the connection's thread and the busy event loop, so at a hundred
reports a second the turns, not the work, were the latency. Here callers queue their writes;
one task takes everything queued, stores it with one statement per kind of row, commits, and
answers every caller. Under load batches grow by themselves; alone, a write waits for nothing.

A batch the database rejects is retried item by item, so one bad write fails alone and the
others are still stored. A caller whose batch failed gets the error; nothing it was not told
about is lost. A graceful stop writes what is queued before the engine closes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_activity.db.writer_task import WriterTask

logger = logging.getLogger("agent_activity.group_commit")

T = TypeVar("T")

Pending = tuple[T, "asyncio.Future[None]"]


class GroupCommit(WriterTask, Generic[T]):
    def __init__(
        self,
        name: str,
        write: Callable[[AsyncSession, list[T]], Awaitable[object]],
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        max_batch: int = 500,
    ) -> None:
        super().__init__(name)
        self.write_batch = write
        self.sessionmaker = sessionmaker
        self.max_batch = max_batch
        self.batches = 0  # transactions committed, for tests and the curious
        self._queue: list[Pending[T]] = []

    async def write(self, item: T) -> None:
        """Store ``item``; returns once it is committed, raises what stopped it."""
        if not self.running:
            # Not running (stopped, or never started): a transaction of its own.
            await self._commit([item])
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        self._wakeup.set()
        await future

    async def stop(self) -> None:
        """Write what is queued, then stop."""
        await self._halt()
        await self._drain()  # what was queued while the task was finishing

    async def _run(self) -> None:
        while not self._stopping:
            await self._wakeup.wait()
            self._wakeup.clear()
            await self._drain()

    async def _drain(self) -> None:
        while self._queue:
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
            await self._store(batch)

    async def _store(self, batch: list[Pending[T]]) -> None:
        try:
            await self._commit([item for item, _ in batch])
        except Exception as error:
            if len(batch) == 1:
                _settle(batch[0][1], error)
                return
            logger.warning("%s: a batch of %d failed; one by one", self.name, len(batch))
            for pending in batch:
                await self._store([pending])
            return
        for _, future in batch:
            _settle(future, None)

    async def _commit(self, items: list[T]) -> None:
        async with self.sessionmaker() as session:
            await self.write_batch(session, items)
            await session.commit()
        self.batches += 1


def _settle(future: asyncio.Future[None], error: Exception | None) -> None:
    if future.done():  # its caller was cancelled (the client went away)
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
