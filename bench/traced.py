"""`python -m bench.traced serve ...`: the `agent-activity` command with tracemalloc on, for
finding what grows in a soak (`python -m bench.soak --tracemalloc DIR`).

Only the benchmark starts the server this way; the service itself has no such switch. A thread
writes a tracemalloc snapshot into ``$AGENT_ACTIVITY_BENCH_TRACEMALLOC_DIR`` every
``$AGENT_ACTIVITY_BENCH_TRACEMALLOC_EVERY_S`` seconds (files numbered in order), and
`python -m bench.traced diff DIR` prints how much was alive in the second snapshot and the last,
and the allocation sites that grew most between them. Each snapshot follows a full garbage
collection, so only what is still referenced counts. Beside each, what SQLite's own allocator
holds (``sqlite3_memory_used``: its page caches among others, invisible to tracemalloc) is
appended to ``sqlite-memory.txt`` there.
"""

from __future__ import annotations

import ctypes
import gc
import os
import sys
import threading
import time
import tracemalloc
from pathlib import Path

DIR_ENV = "AGENT_ACTIVITY_BENCH_TRACEMALLOC_DIR"
EVERY_ENV = "AGENT_ACTIVITY_BENCH_TRACEMALLOC_EVERY_S"
FRAMES = 8


def sqlite_memory_used() -> int:
    """What SQLite's allocator holds in this process (page caches, schemas, statements): C
    memory that tracemalloc does not see, read from the library the sqlite3 module uses."""
    import _sqlite3

    used = ctypes.CDLL(_sqlite3.__file__).sqlite3_memory_used
    used.restype = ctypes.c_int64
    return int(used())


def snapshot_forever(directory: Path, every_s: float) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    number = 0
    began = time.monotonic()
    while True:
        time.sleep(every_s)
        with (directory / "sqlite-memory.txt").open("a") as log:
            log.write(f"{time.monotonic() - began:.0f} s: {sqlite_memory_used() / 2**20:.2f} MiB\n")
        gc.collect()  # garbage waiting in cycles would read as growth
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)]
        )
        snapshot.dump(str(directory / f"{number:04d}.snapshot"))
        number += 1


def serve(argv: list[str]) -> None:
    from agent_activity.cli import app

    tracemalloc.start(FRAMES)
    directory = Path(os.environ[DIR_ENV])
    every_s = float(os.environ.get(EVERY_ENV, "60"))
    threading.Thread(target=snapshot_forever, args=(directory, every_s), daemon=True).start()
    app(argv, prog_name="agent-activity")


def diff(directory: Path, top: int = 25) -> None:
    files = sorted(directory.glob("*.snapshot"))
    if len(files) < 3:
        raise SystemExit(f"need three snapshots or more in {directory}, found {len(files)}")
    # The first is the warm-up's; the growth that matters is from the second on.
    first, last = (
        tracemalloc.Snapshot.load(str(files[1])),
        tracemalloc.Snapshot.load(str(files[-1])),
    )
    for name, snapshot in ((files[1].name, first), (files[-1].name, last)):
        traced = sum(trace.size for trace in snapshot.traces) / 2**20
        print(f"{name}: {traced:.2f} MiB of Python allocations alive")
    sqlite_log = directory / "sqlite-memory.txt"
    if sqlite_log.exists():
        print("held by SQLite's allocator:", "; ".join(sqlite_log.read_text().splitlines()))
    print(f"{files[1].name} -> {files[-1].name}")
    for stat in last.compare_to(first, "traceback")[:top]:
        print(f"{stat.size_diff / 1024:+10.1f} KiB {stat.count_diff:+8d} blocks")
        for line in stat.traceback.format()[-FRAMES * 2 :]:
            print(f"    {line}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["diff"]:
        diff(Path(sys.argv[2]))
    else:
        serve(sys.argv[1:])
