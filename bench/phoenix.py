"""Arize Phoenix, for the side-by-side OTLP scenario: installed at run time into a virtual
environment of its own under the user's cache (never a project dependency), started on a
SQLite working directory, and asked how many spans it has stored.

``AGENT_ACTIVITY_BENCH_PHOENIX_VENV`` moves the environment; ``AGENT_ACTIVITY_BENCH_PHOENIX``
names the package to install (default ``arize-phoenix``, the latest release).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.server import free_port

PACKAGE = os.environ.get("AGENT_ACTIVITY_BENCH_PHOENIX", "arize-phoenix")
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
VENV = Path(
    os.environ.get(
        "AGENT_ACTIVITY_BENCH_PHOENIX_VENV", CACHE / "agent-activity-bench" / "phoenix-venv"
    )
)
INSTALL_TIMEOUT_S = 900.0
START_TIMEOUT_S = 180.0


class Unavailable(Exception):
    """Phoenix could not be installed or started; the message says why, for the report."""


def phoenix_command(venv: Path) -> Path:
    return venv / "bin" / "phoenix"


async def ensure_installed(venv: Path = VENV, package: str = PACKAGE) -> str:
    """Phoenix's version in ``venv``, installing it first (``pip install``) if it is not there."""
    if not phoenix_command(venv).exists():
        base = Path(sys.base_prefix) / "bin" / "python3"
        await run_step([str(base), "-m", "venv", "--clear", str(venv)], "creating its venv")
        python = str(venv / "bin" / "python")
        await run_step([python, "-m", "pip", "install", "--quiet", package], "pip install")
    python = str(venv / "bin" / "python")
    script = "import importlib.metadata as m; print(m.version('arize-phoenix'))"
    return (await run_step([python, "-c", script], "reading its version")).strip()


async def run_step(command: list[str], what: str) -> str:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), INSTALL_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise Unavailable(f"{what} took over {INSTALL_TIMEOUT_S:.0f} s") from None
    text = output.decode(errors="replace")
    if process.returncode != 0:
        last = text.strip().splitlines()[-1:] or ["no output"]
        raise Unavailable(f"{what} failed (exit {process.returncode}): {last[0][:200]}")
    return text


@dataclass
class Phoenix:
    """``phoenix serve`` on SQLite in ``workdir``, HTTP (with OTLP/HTTP) on a free port."""

    venv: Path
    workdir: Path
    port: int = 0
    process: asyncio.subprocess.Process | None = None

    @property
    def traces_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/traces"

    @property
    def database(self) -> Path:
        return self.workdir / "phoenix.db"

    async def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        env = {
            **os.environ,
            "PHOENIX_WORKING_DIR": str(self.workdir),
            "PHOENIX_HOST": "127.0.0.1",
            "PHOENIX_PORT": str(self.port),
            "PHOENIX_GRPC_PORT": str(free_port()),
            "PHOENIX_TELEMETRY_ENABLED": "false",
        }
        log = (self.workdir / "phoenix.log").open("wb")
        self.process = await asyncio.create_subprocess_exec(
            str(phoenix_command(self.venv)),
            "serve",
            env=env,
            cwd=self.workdir,
            stdout=log,
            stderr=log,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        async with httpx.AsyncClient(timeout=2) as http:
            while time.monotonic() < deadline:
                if self.process.returncode is not None:
                    raise Unavailable(f"phoenix serve exited ({self.process.returncode})")
                try:
                    if (await http.get(f"http://127.0.0.1:{self.port}/healthz")).is_success:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.5)
        raise Unavailable(f"phoenix serve did not answer within {START_TIMEOUT_S:.0f} s")

    def stored_spans(self) -> int:
        """Spans in Phoenix's own database (read-only, beside the running server)."""
        if not self.database.exists():
            return 0
        connection = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=10)
        try:
            return int(connection.execute("SELECT count(*) FROM spans").fetchone()[0])
        except sqlite3.OperationalError:  # the table is not there yet
            return 0
        finally:
            connection.close()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)
