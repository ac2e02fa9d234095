"""`--profile DIR`: record the server with py-spy during each scenario, and read the result.

Each scenario of each engine leaves `DIR/<engine>-<scenario>.txt` in py-spy's raw (collapsed
stack) format, which flamegraph tools read. `python -m bench.profiling FILE` prints where the
server spent its time: per function of the project, the share of samples in it (inclusive) and
on its own lines (self). py-spy samples without pausing the server (``--nonblocking``), so the
figures of a profiled run are close to, but not, those of an unprofiled one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

SAMPLE_RATE = 250  # per second


def py_spy() -> str:
    return str(Path(sys.executable).with_name("py-spy"))


def output_path(directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.txt"


@contextlib.asynccontextmanager
async def recording(directory: Path | None, pid: int | None, name: str) -> AsyncIterator[None]:
    """Record ``pid`` into ``directory/name.txt`` while the block runs (no-op without both)."""
    if directory is None or pid is None:
        yield
        return
    target = output_path(directory, name)
    command = [py_spy(), "record", "--pid", str(pid), "--format", "raw", "--nonblocking"]
    command += ["--rate", str(SAMPLE_RATE), "--output", str(target)]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    await asyncio.sleep(0.5)  # attaching takes a moment
    try:
        yield
    finally:
        process.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
        await process.wait()


LINE = re.compile(r":\d+\)$")


def function_of(frame: str) -> str:
    """``name (file:line)`` without its line, so a function's samples add up."""
    return LINE.sub(")", frame)


def summarise(path: Path, prefix: str) -> tuple[int, Counter[str], Counter[str], Counter[str]]:
    """Samples: total; per project function (file contains ``prefix``) inclusive; per project
    function as the innermost project frame (its own lines and what it calls outside the
    project); per innermost frame of any module (where the CPU really was)."""
    inclusive: Counter[str] = Counter()
    innermost_ours: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = [function_of(f) for f in stack.split(";")]
        leaves[frames[-1]] += count
        ours = [f for f in frames if prefix in f]
        for frame in set(ours):
            inclusive[frame] += count
        if ours:
            innermost_ours[ours[-1]] += count
    return total, inclusive, innermost_ours, leaves


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profiling", description=__doc__)
    parser.add_argument("file", type=Path, help="a raw py-spy recording")
    parser.add_argument("--prefix", default="agent_activity/", help="the project's frames")
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args(argv)
    total, inclusive, innermost, leaves = summarise(args.file, args.prefix)
    print(f"{total} samples")
    tables = (
        ("project functions, inclusive", inclusive),
        ("innermost project frame", innermost),
        ("innermost frame, any module", leaves),
    )
    for title, counter in tables:
        print(f"\n{'%':>6}  {title}")
        for frame, count in counter.most_common(args.top):
            print(f"{100 * count / max(total, 1):6.1f}  {frame}")


if __name__ == "__main__":
    main()
