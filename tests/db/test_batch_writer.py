"""The batching writer: what its timed rounds write, when, and that a stop writes everything."""

from __future__ import annotations

import asyncio
import itertools
import time

from sqlalchemy.exc import OperationalError

from agent_activity.db.batch_writer import BatchWriter


class Recorder:
    """A ``write_batch`` that notes each batch and when it was written. While it writes, the
    first ``arrivals`` calls submit ``per_write`` more items, as requests do on a busy server."""

    def __init__(self, *, arrivals: int = 0, per_write: int = 0, fail_first: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.times: list[float] = []
        self.arrivals = arrivals
        self.per_write = per_write
        self.fail_first = fail_first
        self.writer: BatchWriter[int] | None = None
        self.next_item = 1000
        self.wrote = asyncio.Event()

    async def __call__(self, batch: list[int]) -> None:
        assert self.writer is not None
        if self.arrivals > 0:
            self.arrivals -= 1
            for _ in range(self.per_write):
                self.writer.submit(self.next_item)
                self.next_item += 1
        await asyncio.sleep(0.005)  # the transaction
        if self.fail_first:
            self.fail_first = False
            raise OperationalError("INSERT", None, Exception("database is locked"))
        self.batches.append(list(batch))
        self.times.append(time.monotonic())
        self.wrote.set()


def make_writer(recorder: Recorder, *, interval: float, max_batch: int = 1000) -> BatchWriter[int]:
    writer = BatchWriter("test", recorder, flush_interval_s=interval, max_batch=max_batch)
    recorder.writer = writer
    return writer


async def wait_for_batches(recorder: Recorder, count: int) -> None:
    async with asyncio.timeout(10):
        while len(recorder.batches) < count:
            recorder.wrote.clear()
            await recorder.wrote.wait()


async def test_what_arrives_during_a_timed_write_waits_for_the_next_round() -> None:
    recorder = Recorder(arrivals=3, per_write=4)
    writer = make_writer(recorder, interval=0.2)
    for item in range(10):
        writer.submit(item)
    writer.start()
    try:
        await wait_for_batches(recorder, 4)
    finally:
        await writer.stop()
    sizes = [len(batch) for batch in recorder.batches]
    assert sizes == [10, 4, 4, 4]
    gaps = [later - earlier for earlier, later in itertools.pairwise(recorder.times)]
    # One round per interval, not one write after another as items trickle in.
    assert min(gaps) >= 0.15, gaps


async def test_a_full_batch_is_written_without_waiting_for_the_interval() -> None:
    recorder = Recorder()
    writer = make_writer(recorder, interval=60.0, max_batch=5)
    writer.start()
    try:
        await asyncio.sleep(0.05)  # the task is waiting on its interval
        for item in range(5):
            writer.submit(item)
        await wait_for_batches(recorder, 1)
        assert recorder.batches == [[0, 1, 2, 3, 4]]
        writer.submit(5)
    finally:
        await writer.stop()
    assert recorder.batches == [[0, 1, 2, 3, 4], [5]]  # the rest, at the stop


async def test_a_stop_writes_everything_and_what_arrives_while_it_does() -> None:
    recorder = Recorder(arrivals=2, per_write=3)
    writer = make_writer(recorder, interval=60.0, max_batch=4)
    writer.start()
    for item in range(6):
        writer.submit(item)
    await writer.stop()
    written = [item for batch in recorder.batches for item in batch]
    assert written == [0, 1, 2, 3, 4, 5, 1000, 1001, 1002, 1003, 1004, 1005]
    assert writer.pending() == []
    assert writer.written == 12


async def test_a_failed_round_keeps_its_items_in_order_for_the_next() -> None:
    recorder = Recorder(fail_first=True)
    writer = make_writer(recorder, interval=0.05)
    for item in range(3):
        writer.submit(item)
    writer.start()
    writer.submit(3)
    try:
        await wait_for_batches(recorder, 1)
    finally:
        await writer.stop()
    assert [item for batch in recorder.batches for item in batch] == [0, 1, 2, 3]
    assert writer.dropped == 0
