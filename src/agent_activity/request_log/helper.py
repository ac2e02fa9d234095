"""The request log's helper process: the server hands each batch of records to a process of its
own, which stores it, so the server spends on its log only what handing a batch over costs.

A server process answers every request under one interpreter lock. Storing a batch in it
(rows normalised, values converted, rollups summed, the driver's bindings) holds that lock for
about 20 microseconds a record; pickling a batch for a pipe costs a few. The helper does the
rest on another core (figures in docs/activity-log.md, "Request log").

The helper is ``python -m agent_activity.request_log.helper_child``, started with the app and
spoken to over its stdin and stdout: one frame per message (a 4-byte length, then a pickle), one
batch at a time, each answered once it is committed or refused. Under SQLite the helper is a
second writer of the file beside the server's writer connection; either waits for the other's
lock through ``busy_timeout``.

Nothing is lost to a helper that dies or hangs: the batch stays in the server's buffer and goes
again to a new helper. Its records get their ids here, before the first send, and a batch whose
answer never came (it may have been committed just before the end) is sent again with ``check``,
so that the helper skips the records already stored: each is written once. The helper exits when
its stdin closes, after the batch in hand: a graceful stop of the server writes everything, and
a server that dies takes its helper with it.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import struct
import sys
from typing import Any

from agent_activity.db.base import new_id

logger = logging.getLogger("agent_activity.request_log")

FRAME = struct.Struct(">I")
CHILD_MODULE = "agent_activity.request_log.helper_child"
# Longer than SQLite's busy timeout (30 s): a helper waiting for the file lock is not hung.
ANSWER_TIMEOUT_S = 60.0
EXIT_TIMEOUT_S = 30.0
# What a pipe to a helper that died or hung raises (IncompleteReadError is an EOFError).
HELPER_LOST = (OSError, EOFError, TimeoutError, pickle.UnpicklingError)


class WriterUnavailable(OSError):
    """The helper could not take the batch (it died, hung, or the database is away): the batch
    stays buffered and is retried, as for any transient database error."""


class BatchRejected(Exception):
    """The database refused the batch for a reason a retry will not change."""


def encode(message: Any) -> bytes:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return FRAME.pack(len(payload)) + payload


async def read_message(reader: asyncio.StreamReader) -> Any:
    """The next message; ``asyncio.IncompleteReadError`` when the other side has gone."""
    (size,) = FRAME.unpack(await reader.readexactly(FRAME.size))
    return pickle.loads(await reader.readexactly(size))


class WriterProcess:
    """The server's side of the helper: ``write_batch`` for a BatchWriter, ``close`` at the
    stop."""

    def __init__(
        self,
        database_url: str,
        *,
        log_level: str = "info",
        busy_timeout_s: float = 30.0,
        answer_timeout_s: float = ANSWER_TIMEOUT_S,
    ) -> None:
        self.database_url = database_url
        self.busy_timeout_s = busy_timeout_s
        self.log_level = log_level
        self.answer_timeout_s = answer_timeout_s
        self.process: asyncio.subprocess.Process | None = None
        self.started = 0  # helpers started so far
        self._starting = asyncio.Lock()
        # The last batch sent got no answer: the next one asks the helper to skip stored ids.
        self._outcome_unknown = False

    async def start(self) -> None:
        """Start the helper ahead of the first batch: it spends a few seconds of CPU importing
        its modules, better spent before traffic than during it."""
        await self._ready()

    async def write_batch(self, batch: list[dict[str, Any]]) -> None:
        for record in batch:
            if record.get("id") is None:
                record["id"] = new_id()
        process = await self._ready()
        kind, detail = await self._exchange(process, ("write", batch, self._outcome_unknown))
        if kind == "ok":
            self._outcome_unknown = False
        elif kind == "retry":
            raise WriterUnavailable(f"request log helper: {detail}")
        else:
            raise BatchRejected(f"request log helper: {detail}")

    async def _exchange(self, process: asyncio.subprocess.Process, message: Any) -> Any:
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(encode(message))
            await process.stdin.drain()
            return await asyncio.wait_for(read_message(process.stdout), self.answer_timeout_s)
        except HELPER_LOST as error:
            # Sent, perhaps stored, never answered.
            self._outcome_unknown = True
            await self._end(process, kill=True)
            raise WriterUnavailable(f"request log helper lost: {error!r}") from error

    async def _ready(self) -> asyncio.subprocess.Process:
        """The running helper, started first if there is none (or it has exited)."""
        async with self._starting:  # the app's start and a first flush may both ask
            if self.process is not None and self.process.returncode is None:
                return self.process
            if self.process is not None:
                code = self.process.returncode
                logger.warning("request log helper exited with %s; starting another", code)
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                CHILD_MODULE,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
            self.started += 1
            assert process.stdin is not None and process.stdout is not None
            # The URL goes through the pipe, not the command line, where any user can read it.
            config = {
                "database_url": self.database_url,
                "log_level": self.log_level,
                "busy_timeout_s": self.busy_timeout_s,
            }
            try:
                process.stdin.write(encode(("config", config)))
                await process.stdin.drain()
                await asyncio.wait_for(read_message(process.stdout), self.answer_timeout_s)
            except HELPER_LOST as error:
                await self._end(process, kill=True)
                raise WriterUnavailable(f"request log helper did not start: {error!r}") from error
            self.process = process
            return process

    async def close(self) -> None:
        """End the helper once the last batch is answered: it exits when its stdin closes."""
        if self.process is not None:
            await self._end(self.process, kill=False)

    async def _end(self, process: asyncio.subprocess.Process, *, kill: bool) -> None:
        if self.process is process:
            self.process = None
        if process.returncode is None:
            if kill:
                process.kill()
            elif process.stdin is not None:
                process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), EXIT_TIMEOUT_S)
            except TimeoutError:
                process.kill()
                await process.wait()
