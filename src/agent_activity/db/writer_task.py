"""The background task of a writer (db/batch_writer.py, db/group_commit.py): started with the
app, woken when there is work, and halted after its current round before the engine closes."""

from __future__ import annotations

import asyncio
import contextlib


class WriterTask:
    def __init__(self, name: str) -> None:
        self.name = name
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name=f"{self.name} writer")

    async def _halt(self) -> None:
        """Ask the task to stop and wait until its current round is done."""
        self._stopping = True
        self._wakeup.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        raise NotImplementedError
