"""The service as a user starts it: `agent-activity serve` in its own process on loopback."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve_command() -> list[str]:
    """The installed `agent-activity` script next to this interpreter, as `uv run` would use."""
    script = Path(sys.executable).with_name("agent-activity")
    if script.exists():
        return [str(script)]
    found = shutil.which("agent-activity")
    if found is None:
        raise RuntimeError("the agent-activity command is not installed (run `uv sync`)")
    return [found]


def peak_rss_bytes(pid: int) -> int | None:
    """The peak resident set size (VmHWM) of the process and its children (the request log's
    helper), while they run; None off Linux. Each has its own peak, so the sum is an upper
    bound of what they held at any one moment."""
    peaks = [_peak_of(process) for process in (pid, *children_of(pid))]
    known = [peak for peak in peaks if peak is not None]
    return sum(known) if known else None


def rss_bytes(pid: int) -> int:
    """The resident set (VmRSS) of one process now; 0 once it is gone or off Linux."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def children_of(pid: int) -> list[int]:
    try:
        return [
            int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]
    except OSError:
        return []


def _peak_of(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return None


class Server:
    """One `agent-activity serve` process; ``env`` is its AGENT_ACTIVITY_* settings."""

    def __init__(self, env: dict[str, str], log_path: Path, cwd: Path) -> None:
        self.env = env
        self.command = serve_command()  # what runs `serve` (bench.traced replaces it)
        self.log_path = log_path
        self.cwd = cwd  # no stray .env file is read from here
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: asyncio.subprocess.Process | None = None
        self.peak_rss: int | None = None

    async def start(self, timeout_s: float = 120.0) -> None:
        env = {**os.environ, **self.env}
        command = [*self.command, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *command, env=env, stdout=log, stderr=log, cwd=self.cwd
            )
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient(base_url=self.base_url, timeout=5) as client:
            while time.monotonic() < deadline:
                if self.process.returncode is not None:
                    raise RuntimeError(f"server exited at start:\n{self.log_tail()}")
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        await self.stop()
        raise RuntimeError(f"server not ready within {timeout_s:.0f} s:\n{self.log_tail()}")

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    async def stop(self) -> None:
        """A graceful stop (SIGINT, as Ctrl-C), so the request log flushes; kill if it hangs."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.returncode is None:
            self.peak_rss = peak_rss_bytes(process.pid) or self.peak_rss
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])
