"""The README's first command works from a fresh clone with the system's own Python (PEP 668)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.live_server import free_port

ROOT = Path(__file__).resolve().parent.parent
SYSTEM_PYTHON = Path("/usr/bin/python3")


def quick_start_command() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1]
    found = re.search(r"```sh\n(.+?)\n```", section, re.DOTALL)
    assert found, "the quick start has no sh block"
    return found.group(1).strip()


def test_the_quick_start_line_keeps_off_the_system_python() -> None:
    line = quick_start_command()
    assert line.startswith("python3 -m venv ")
    assert "sudo" not in line and "--break-system-packages" not in line
    assert "--user" not in line


def test_the_quick_start_runs_from_a_fresh_clone_with_the_system_python(tmp_path: Path) -> None:
    if not SYSTEM_PYTHON.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI must have /usr/bin/python3 to test the quick start")
        pytest.skip("no /usr/bin/python3 on this machine")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    port = free_port()
    # The system interpreter first on PATH, and nothing of this test's own environment.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VIRTUAL_ENV", "UV_", "AGENT_ACTIVITY_", "PYTHON"))
    }
    env["PATH"] = f"{SYSTEM_PYTHON.parent}:{env.get('PATH', '')}"
    env |= {"AGENT_ACTIVITY_PORT": str(port), "AGENT_ACTIVITY_DEMO_AGENTS": "1"}
    process = subprocess.Popen(
        ["bash", "-c", quick_start_command()],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 600
        ready = False
        while time.monotonic() < deadline and process.poll() is None and not ready:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
            except httpx.TransportError:
                time.sleep(1)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    assert ready, output
    assert "externally-managed-environment" not in output
    assert re.search(r"project id: [0-9a-f-]{36}", output), output
    assert (clone / ".uv" / "bin" / "uv").exists()
