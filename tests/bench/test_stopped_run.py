"""`python -m bench` stopped by SIGTERM or Ctrl-C (SIGINT) leaves nothing behind: no server, log
helper or load generator running, no PostgreSQL database, no temporary directory."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import pytest
from bench.lifecycle import descendants

from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parents[2]
DATABASE = re.compile(r"postgresql: database (aa_bench_[0-9a-f]+)")
WORKDIR = re.compile(r"files in (/\S*aa-bench-\w+)")


def serving(pids: list[int]) -> bool:
    """Whether one of ``pids`` is an `agent-activity serve` (the run is under way)."""
    for pid in pids:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in command and any(part.endswith(b"agent-activity") for part in command):
            return True
    return False


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


async def database_exists(name: str) -> bool:
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        return bool(await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await admin.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stopped_run_stops_its_processes_and_drops_its_database(
    signum: int, tmp_path: Path, postgres_database: str
) -> None:
    log_path = tmp_path / "bench.log"
    env = {**os.environ, "AGENT_ACTIVITY_BENCH_POSTGRES_URL": POSTGRES_URL}
    command = [sys.executable, "-m", "bench", "--tiny", "--engine", "postgresql", "--output", "-"]
    with log_path.open("wb") as log:
        bench = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        seen: set[int] = set()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and bench.poll() is None:
            children = descendants(bench.pid)
            seen.update(children)
            if serving(children) and DATABASE.search(log_path.read_text()):
                break
            time.sleep(0.2)
        text = log_path.read_text()
        assert bench.poll() is None, f"the run ended before it could be stopped:\n{text}"
        match = DATABASE.search(text)
        assert match is not None and serving(list(seen)), text
        time.sleep(1)  # the servers idle, the first scenarios start
        seen.update(descendants(bench.pid))
        bench.send_signal(signum)
        status = bench.wait(timeout=120)
    finally:
        if bench.poll() is None:
            bench.kill()
            bench.wait()
    text = log_path.read_text()
    assert status == 128 + signum, text
    assert [pid for pid in seen if alive(pid)] == []
    assert not asyncio.run(database_exists(match.group(1))), text
    workdirs = {Path(found) for found in WORKDIR.findall(text)}
    assert workdirs and all(not path.exists() for path in workdirs), workdirs
