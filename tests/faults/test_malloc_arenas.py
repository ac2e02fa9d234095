"""`serve` limits the C allocator's arenas (src/agent_activity/malloc_arenas.py): its own with
mallopt, and the processes it starts through MALLOC_ARENA_MAX, unless the operator chose."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.faults.served import Served
from tests.faults.test_kill_replay import helper_pid

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="glibc's arenas, /proc")


def environment_of(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(pair.decode().partition("=")[::2] for pair in pairs if pair)


@pytest.mark.parametrize(("operator", "expected"), [(None, "1"), ("4", "4")])
def test_serve_limits_the_arenas_of_the_processes_it_starts(
    served_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    operator: str | None,
    expected: str,
) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    env = {"AGENT_ACTIVITY_REQUEST_LOG_PROCESS": "true"}
    if operator is not None:
        env["MALLOC_ARENA_MAX"] = operator
    server = Served(served_database, tmp_path / "server.log", env=env)
    server.start()
    try:
        assert server.process is not None
        helper = environment_of(helper_pid(server.process.pid))
    finally:
        server.stop()
    assert helper.get("MALLOC_ARENA_MAX") == expected
