"""The sync client over a real socket: uvicorn serves the app on a free loopback port inside
the test's event loop, and the client's blocking calls run in a worker thread."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import pytest
import uvicorn
from fastapi import FastAPI

from agent_activity.client import Client, ConflictError, NotFoundError
from tests.conftest import FakeClock
from tests.factories import Tenant

T = TypeVar("T")


@pytest.fixture
async def server_url(app: FastAPI) -> AsyncIterator[str]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    # The app fixture already runs the lifespan; uvicorn only serves requests.
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[listener]))
    for _ in range(500):  # up to 5 s; uvicorn offers no event to wait on
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task
    listener.close()


async def in_thread(work: Callable[[], T]) -> T:
    return await asyncio.to_thread(work)


async def test_the_sync_client_records_tracks_and_walks_runs(
    server_url: str, tenant: Tenant, clock: FakeClock
) -> None:
    def scenario() -> None:
        with Client(server_url, tenant.token) as client:
            agent = client.agents.create("Nightly report", approach="pipeline")
            assert client.agents.get(agent.agent_uid).versions[0].version == 1
            with client.runs.track(agent.agent_uid, trigger_type="schedule") as run:
                run.add_tokens(input=40, output=8)
            assert run.run.status == "completed" and run.run.token_usage == {
                "input": 40,
                "output": 8,
                "total": 48,
            }
            with (
                pytest.raises(ZeroDivisionError),
                client.runs.track(agent.agent_uid, trigger_type="manual") as broken,
            ):
                _ = 1 / 0
            failed = client.runs.get(agent.agent_uid, broken.id)
            assert (
                failed.status == "failed" and failed.error == "ZeroDivisionError: division by zero"
            )
            assert failed.workflow_id is not None and failed.workflow_id.startswith(
                "agent-pipeline"
            )
            for _ in range(12):
                client.runs.create(agent.agent_uid, trigger_type="webhook")
            every = list(client.runs.iter(agent.agent_uid, per_page=5))
            assert len(every) == 14 and len({run.id for run in every}) == 14
            assert [p.page for p in client.runs.pages(agent.agent_uid, per_page=5)] == [1, 2, 3]
            finished = client.runs.list(agent.agent_uid, has_completed=True)
            assert {r.status for r in finished.items} == {"completed", "failed"}
            groups = client.runs.groups(agent.agent_uid)
            assert [g.trigger_type for g in groups] == ["manual", "schedule", "webhook"]
            with pytest.raises(ConflictError) as conflict:
                client.runs.update(agent.agent_uid, run.id, status="running")
            assert conflict.value.status_code == 409
            assert conflict.value.body["error"]["code"] == "CONFLICT"
            with pytest.raises(NotFoundError):
                client.runs.get(agent.agent_uid, "01a2084e-9722-7662-90cd-39f623e2ecd6")

    await in_thread(scenario)


async def test_a_failed_final_update_keeps_the_blocks_own_exception(
    server_url: str, tenant: Tenant
) -> None:
    def scenario() -> None:
        with Client(server_url, tenant.token) as client:
            agent = client.agents.create("Racy")
            with (
                pytest.raises(KeyError) as raised,
                client.runs.track(agent.agent_uid, trigger_type="manual") as run,
            ):
                # Something else finishes the run first; the tracker cannot mark it failed.
                client.runs.update(agent.agent_uid, run.id, status="stopped")
                raise KeyError("lost")
            assert any("could not mark run" in note for note in raised.value.__notes__)
            assert client.runs.get(agent.agent_uid, run.id).status == "stopped"

    await in_thread(scenario)


def test_the_client_imports_none_of_the_servers_packages() -> None:
    server_only = ["fastapi", "starlette", "sqlalchemy", "pydantic", "alembic", "mcp", "uvicorn"]
    code = (
        "import sys, agent_activity.client as c; c.Client('http://127.0.0.1:1');"
        f"print([m for m in {server_only!r} if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
