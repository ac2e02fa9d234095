"""Every Python example in docs/client.md runs as written against a `serve --demo` server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live_server import free_port, wait_ready

DOC = Path(__file__).resolve().parents[2] / "docs" / "client.md"


def examples() -> list[str]:
    return re.findall(r"```python\n(.+?)```", DOC.read_text(), re.DOTALL)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    database = tmp_path_factory.mktemp("docs") / "demo.db"
    port = free_port()
    env = {**os.environ, "AGENT_ACTIVITY_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    command = [sys.executable, "-m", "agent_activity.cli", "serve", "--demo", "--port", str(port)]
    command += ["--demo-runs", "20", "--demo-records", "200", "--no-simulation"]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    token = None
    for line in process.stdout:  # the token comes before the server starts
        if found := re.search(r"token \(expires in 7 days\): (aa_[\w-]+)", line):
            token = found.group(1)
            break
    url = f"http://127.0.0.1:{port}"
    try:
        assert token, "serve --demo printed no token"
        assert wait_ready(url), "serve --demo did not become ready"
        yield {"AGENT_ACTIVITY_URL": url, "AGENT_ACTIVITY_TOKEN": token}
    finally:
        process.terminate()
        process.communicate(timeout=30)  # also closes the pipe


def test_the_page_has_examples() -> None:
    assert len(examples()) >= 3


@pytest.mark.parametrize("number", range(len(examples())))
def test_each_example_runs_as_written(demo_server: dict[str, str], number: int) -> None:
    code = examples()[number]
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **demo_server},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "None" not in result.stdout, result.stdout
    if "TimeoutError" in code:
        assert "TimeoutError: the mail server did not answer" in result.stdout
