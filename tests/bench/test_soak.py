"""`python -m bench.soak` for a few seconds on SQLite: a real server, MCP agents, RSS samples;
and the verdict it draws from samples that level off or keep growing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bench.soak import MIB, Sample, Soak

ROOT = Path(__file__).resolve().parents[2]


def test_a_short_soak_prints_its_samples_and_growth() -> None:
    command = [sys.executable, "-m", "bench.soak", "--duration", "4", "--agents", "6"]
    command += ["--interval", "1", "--every", "1", "--warmup", "1"]
    # As served by default: the request log from its helper process (the suite turns it off).
    env = {k: v for k, v in os.environ.items() if k != "AGENT_ACTIVITY_REQUEST_LOG_PROCESS"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "Memory soak: sqlite, 6 MCP agents" in out
    rows = re.findall(r"│\s+(\d+) │\s+([\d.]+) │\s+([\d.]+) │\s+([\d.]+) │", out)
    assert len(rows) >= 5, out
    for _, server, helper, total in rows:
        assert 30 < float(server) < 2048
        assert float(helper) > 0  # the request log's helper process is counted
        assert abs(float(server) + float(helper) - float(total)) < 0.2
    assert "failed: none" in out, out
    assert re.search(r"growth after the first 1 s: [+-][\d.]+ MiB/min", out), out
    assert re.search(r"levels off: (yes|NO)", out), out


def soak_of(totals_mib: list[float], every_s: float = 10.0) -> Soak:
    soak = Soak("sqlite", 1, every_s * len(totals_mib), warmup_s=every_s)
    for index, total in enumerate(totals_mib):
        soak.samples.append(Sample(index * every_s, int(total * MIB), 0))
    return soak


def test_steady_growth_does_not_level_off_and_a_plateau_does() -> None:
    growing = soak_of([100 + 0.125 * i for i in range(61)])  # 0.75 MiB a minute throughout
    assert abs((growing.growth_mib_per_min() or 0) - 0.75) < 1e-9
    assert growing.levels_off() is False
    plateau = soak_of([100 + min(i, 30) * 0.2 for i in range(61)])
    first, second = plateau.halves()
    assert first is not None and second is not None and second < first / 2
    assert plateau.levels_off() is True
    assert soak_of([100, 101]).levels_off() is None  # too few samples to tell
