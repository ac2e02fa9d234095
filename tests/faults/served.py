"""Real `agent-activity serve` processes for the fault suite: started, made ready, stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.live_server import free_port

READY_TIMEOUT_S = 60


@dataclass
class Served:
    """One server process on a loopback port, its output in a file."""

    database_url: str
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command_env(self) -> dict[str, str]:
        return {
            **os.environ,
            "AGENT_ACTIVITY_DATABASE_URL": self.database_url,
            "AGENT_ACTIVITY_RATE_LIMIT_PER_MINUTE": "0",
            **self.env,
        }

    def start(self, *args: str) -> Served:
        command = [sys.executable, "-m", "agent_activity.cli", "serve", "--port", str(self.port)]
        # Into a file, not a pipe: a pipe nobody reads fills up and stalls the server.
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [*command, *args], env=self.command_env(), stdout=output, stderr=output
            )
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the server exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail("the server did not become ready")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def init_org(database_url: str, org: str = "Acme") -> dict[str, str]:
    """`agent-activity init --json` on the database: the org's ids and an admin token."""
    env = {**os.environ, "AGENT_ACTIVITY_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "agent_activity.cli", "init", "--json", "--org", org]
    email = f"admin@{org.lower()}.test"
    output = subprocess.run(
        [*command, "--email", email], env=env, check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, str] = json.loads(output.strip().splitlines()[-1])
    return result
