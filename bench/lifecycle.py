"""A run stopped by SIGTERM or Ctrl-C cleans up as one that ends: its servers, helpers, load
generators, producers and Phoenix stopped, its databases dropped and its files deleted.

The signal cancels the run's task, so every ``finally`` of the harness runs (servers are stopped
before their databases are dropped); a second signal meanwhile is ignored, since each of those
steps has its own timeout. Whatever process outlived them (a child started as the signal came) is
ended last, found through ``/proc``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
SIGNALS = (signal.SIGTERM, signal.SIGINT)
GRACE_S = 10.0


class Stopped(SystemExit):
    """The run was stopped by a signal; the exit status is the shell's 128 + its number."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


async def until_signalled(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work``; on SIGTERM or SIGINT cancel it, let it clean up, and raise ``Stopped``."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    received: list[int] = []

    def on_signal(signum: int) -> None:
        if not received:
            received.append(signum)
            task.cancel()

    for signum in SIGNALS:
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        return await work
    except asyncio.CancelledError:
        if received:
            raise Stopped(received[0]) from None
        raise
    finally:
        for signum in SIGNALS:
            loop.remove_signal_handler(signum)


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children first), as far as ``/proc`` shows them."""
    found: list[int] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
            found.extend(children)
            pending.extend(children)
    return found


def end_descendants(grace_s: float = GRACE_S) -> None:
    """SIGTERM every process this one started that still runs, then SIGKILL what stays."""
    left = descendants(os.getpid())
    for pid in left:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = [pid for pid in left if _alive(pid)]
    for pid in left:
        _signal(pid, signal.SIGKILL)


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _alive(pid: int) -> bool:
    try:
        # A child that exited but was not waited for is a zombie: it holds nothing.
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False
