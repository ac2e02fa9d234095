"""Every operation of the three API families, fuzzed from its own OpenAPI document: whatever a
client sends, the answer is never a 5xx and always has the documented shape.

Schemathesis draws requests from each family's schema (valid ones and deliberately broken ones:
wrong types, out-of-range numbers, odd strings) and sends them over real HTTP to a real
`agent-activity serve` process holding the demo's data. The ids that decide tenancy (the org,
workspace, project and agent in the path) are the demo's own, so the requests reach the handlers
rather than stopping at a 404; the others are drawn freely.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import empty_postgres_database
from tests.live_server import free_port

FAMILIES = ("/v1", "/api/projects", "/api/agents")
READY_TIMEOUT_S = 180
EXAMPLES = 25  # per operation and mode: about 1,500 requests in all


@dataclass(frozen=True)
class Served:
    base_url: str
    token: str
    path_ids: dict[str, str]  # path parameter -> a real id of the demo's org

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def start(database_url: str, port: int, log: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "AGENT_ACTIVITY_DATABASE_URL": database_url,
        # Thousands of requests a minute from one token: the limiter would answer most of them.
        "AGENT_ACTIVITY_RATE_LIMIT_PER_MINUTE": "0",
    }
    command = [sys.executable, "-m", "agent_activity.cli", "serve", "--port", str(port), *args]
    # Into a file, not a pipe: a pipe nobody reads fills up with the access log and stalls
    # the server.
    with log.open("wb") as output:
        return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)


def wait_ready(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail("the server did not become ready")


async def demo_ids(database_url: str) -> dict[str, str]:
    """A project and an agent of the demo, and the workspace of one of its records."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:

            async def first(sql: str) -> str:
                return str(uuid.UUID(str((await connection.exec_driver_sql(sql)).scalar_one())))

            project = "FROM projects ORDER BY id LIMIT 1"
            return {
                "id": await first(f"SELECT id {project}"),
                "agent_uid": await first("SELECT id FROM agents ORDER BY id LIMIT 1"),
                "workspace_id": await first(f"SELECT workspace_id {project}"),
            }
    finally:
        await engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_of_the_demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An empty database of its own (the server migrates it): SQLite stores text that
    PostgreSQL refuses (a NUL character), so a request can be a 500 on one engine only."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fuzzing') / 'demo.db'}"
        return
    with empty_postgres_database(request, "aa_test_fuzzing") as url:
        yield url


@pytest.fixture(scope="module")
def served(database_of_the_demo: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    log = tmp_path_factory.mktemp("fuzzing") / "server.log"
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    demo = ("--demo", "--demo-runs", "60", "--demo-records", "500", "--no-simulation")
    process = start(database_of_the_demo, port, log, *demo)
    try:
        wait_ready(process, base_url, log)
        # The demo has printed its token and an org-level URL before it starts serving.
        output = log.read_text()
        match = re.search(r"Bearer (aa_[\w-]+)' \S+/v1/orgs/([0-9a-f-]{36})/", output)
        assert match, output
        token, org_id = match.groups()
        ids = asyncio.run(demo_ids(database_of_the_demo))
        yield Served(base_url, token, {"org_id": org_id, **ids})
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def path_names(path: str) -> set[str]:
    return set(re.findall(r"{(\w+)}", path))


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("family", FAMILIES)
def test_no_request_gets_a_server_error_or_an_undocumented_shape(
    served: Served, family: str, mode: GenerationMode
) -> None:
    # Each family serves its document under its own prefix, with that prefix as its server.
    schema = schemathesis.openapi.from_url(f"{served.base_url}{family}/openapi.json")
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"{family}: an operation schemathesis cannot read"
        operations.append(result.ok())
    assert operations, f"{family} documents no operation"
    for operation in operations:
        takes_input = any(True for _ in operation.iter_parameters()) or bool(
            operation.get_request_payload_content_types()
        )
        if mode is GenerationMode.NEGATIVE and not takes_input:
            continue  # GET /api/projects has no input to break: nothing negative to send
        # Valid requests go to the demo's org; broken ones may break the path's ids as well
        # (some operations have nothing else to break).
        ids = {
            name: value
            for name, value in served.path_ids.items()
            if name in path_names(operation.path) and mode is GenerationMode.POSITIVE
        }

        @given(case=operation.as_strategy(mode, path_parameters=ids))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exchange(case: schemathesis.Case[Any]) -> None:
            case.call_and_validate(
                headers=served.headers,
                checks=[not_a_server_error, response_schema_conformance],
                timeout=30,
            )

        exchange()
