"""The request log's helper process: batches stored by another process, on both engines; a helper
that dies or hangs is replaced and each record is still stored exactly once; Ctrl-C reaches the
server's stop, not the helper; a database in memory keeps the log in the server's process."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from agent_activity.app import create_app
from agent_activity.config import Settings
from agent_activity.db.models import ActivityRecord
from agent_activity.request_log import helper as writer_process
from agent_activity.request_log import helper_child as writer_child
from agent_activity.request_log.helper import WriterProcess
from agent_activity.request_log.helper_child import store
from agent_activity.request_log.writer import RequestLogWriter
from agent_activity.runtime import Runtime
from tests.factories import Tenant
from tests.mcp_endpoint.conftest import LEGACY, mcp_client, serve


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        rate_limit_per_minute=0,
        request_log_flush_interval_s=3600,  # only the test's flushes write
        request_log_process=True,
    )


def helper_of(runtime: Runtime) -> WriterProcess:
    owner = getattr(runtime.request_log.write_batch, "__self__", None)
    assert isinstance(owner, WriterProcess), "the request log is not written by a helper"
    return owner


async def board_reads(client: httpx.AsyncClient, tenant: Tenant, count: int) -> None:
    for _ in range(count):
        response = await client.get(
            f"/api/projects/{tenant.project_id}/agent-activity", headers=tenant.headers
        )
        assert response.status_code == 200


async def helper_after_reads(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, reads: int
) -> asyncio.subprocess.Process:
    """The helper process that stored the log of ``reads`` board reads."""
    await board_reads(client, tenant, reads)
    await runtime.request_log.flush()
    process = helper_of(runtime).process
    assert process is not None
    return process


async def logged_ids(runtime: Runtime) -> list[str]:
    async with runtime.sessionmaker() as session:
        rows = await session.scalars(
            select(ActivityRecord.id).where(ActivityRecord.path.like("/api/projects/%"))
        )
        return [str(row) for row in rows]


async def flush_until_written(writer: RequestLogWriter) -> None:
    """Flush until the buffer is empty: a flush that meets a lost helper keeps its batch."""
    for _ in range(5):
        await writer.flush()
        if not writer.buffer:
            return
    raise AssertionError(f"still buffered: {len(writer.buffer)}")


async def test_a_helper_process_stores_the_log_and_exits_with_the_server(
    app: FastAPI, client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    await board_reads(client, tenant, 4)
    await runtime.request_log.flush()
    helper = helper_of(runtime)
    assert helper.process is not None
    process = helper.process
    assert process.pid != os.getpid() and process.returncode is None
    assert len(await logged_ids(runtime)) == 4
    assert runtime.request_log.written == 4
    await board_reads(client, tenant, 2)  # buffered at the stop
    await runtime.request_log.stop()
    assert process.returncode == 0, "the helper exits once its stdin closes"
    assert len(await logged_ids(runtime)) == 6


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="CPU priority is a POSIX notion")
async def test_the_helper_runs_below_the_servers_cpu_priority(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    process = await helper_after_reads(client, runtime, tenant, 1)
    server = os.getpriority(os.PRIO_PROCESS, 0)
    expected = min(server + writer_child.NICENESS, 19)  # 19 is the lowest priority there is
    assert os.getpriority(os.PRIO_PROCESS, process.pid) == expected


async def test_a_killed_helper_is_replaced_and_nothing_is_lost(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    process = await helper_after_reads(client, runtime, tenant, 3)
    process.kill()
    await process.wait()
    await board_reads(client, tenant, 3)
    await flush_until_written(runtime.request_log)
    ids = await logged_ids(runtime)
    assert len(ids) == len(set(ids)) == 6
    assert helper_of(runtime).started == 2


async def test_a_batch_whose_answer_was_lost_is_stored_once(
    client: httpx.AsyncClient,
    runtime: Runtime,
    tenant: Tenant,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The helper commits, then its answer never arrives (it died just then): the batch is sent
    again, to a new helper, and the records already stored are skipped."""
    read = writer_process.read_message
    answers = 0

    async def lose_the_first_answer(reader: asyncio.StreamReader) -> Any:
        nonlocal answers
        message = await read(reader)
        if message[0] != "ready":
            answers += 1
            if answers == 1:
                raise asyncio.IncompleteReadError(b"", None)
        return message

    monkeypatch.setattr(writer_process, "read_message", lose_the_first_answer)
    await board_reads(client, tenant, 3)
    await runtime.request_log.flush()
    assert len(runtime.request_log.buffer) == 3, "kept: its outcome is unknown"
    assert len(await logged_ids(runtime)) == 3, "the lost helper had committed it"
    await board_reads(client, tenant, 2)
    await flush_until_written(runtime.request_log)
    ids = await logged_ids(runtime)
    assert len(ids) == len(set(ids)) == 5
    assert helper_of(runtime).started == 2


async def test_sending_a_batch_again_with_check_skips_what_is_stored(
    runtime: Runtime, tenant: Tenant
) -> None:
    def record(path: str) -> dict[str, Any]:
        from agent_activity.db.base import new_id, utcnow

        # Timed as the middleware times them: a resent record is the same (id, timestamp).
        return {"id": new_id(), "org_id": tenant.org_id, "path": path, "action": "read",
                "timestamp": utcnow()}  # fmt: skip

    first = [record("/api/projects/a"), record("/api/projects/b")]
    assert await store(runtime.sessionmaker, first, check=False) == ("ok", 2)
    again = [*first, record("/api/projects/c")]
    assert await store(runtime.sessionmaker, again, check=True) == ("ok", 1)
    assert sorted(await logged_ids(runtime)) == sorted(str(r["id"]) for r in again)
    # Without check a stored id is a conflict: the batch is refused, nothing of it is stored.
    kind, _ = await store(runtime.sessionmaker, [record("/api/projects/d"), first[0]], False)
    assert kind == "rejected"
    assert len(await logged_ids(runtime)) == 3
    async with runtime.sessionmaker() as session:
        total = await session.scalar(select(func.count()).select_from(ActivityRecord))
    assert total == 3


async def test_ctrl_c_does_not_stop_the_helper(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    """A terminal's Ctrl-C goes to the server and its helper alike; the helper must outlive it
    to take the server's last batch."""
    await board_reads(client, tenant, 1)
    await runtime.request_log.flush()
    helper = helper_of(runtime)
    assert helper.process is not None
    helper.process.send_signal(signal.SIGINT)
    helper.process.send_signal(signal.SIGTERM)
    await board_reads(client, tenant, 1)
    await runtime.request_log.flush()
    assert not runtime.request_log.buffer
    assert helper.started == 1
    assert len(await logged_ids(runtime)) == 2


async def test_mcp_tool_calls_are_stored_by_the_helper(
    app: FastAPI, runtime: Runtime, tenant: Tenant
) -> None:
    async with serve(app) as url:
        async with mcp_client(url, tenant.token, tenant.project_id) as sessionless:
            await sessionless.call_tool("heartbeat", {})
            await sessionless.call_tool("get_ticket", {"ticket": 42})
        async with mcp_client(url, tenant.token, tenant.project_id, mode=LEGACY) as legacy:
            await legacy.call_tool("heartbeat", {})
    await runtime.request_log.flush()
    assert helper_of(runtime).started == 1
    async with runtime.sessionmaker() as session:
        rows = await session.execute(
            select(ActivityRecord.path, ActivityRecord.status_code, ActivityRecord.org_id).where(
                ActivityRecord.method == "MCP"
            )
        )
        records = [tuple(row) for row in rows]
    assert sorted(records) == sorted(
        [
            ("mcp:heartbeat", 200, tenant.org_id),
            ("mcp:get_ticket", 404, tenant.org_id),
            ("mcp:heartbeat", 200, tenant.org_id),
        ]
    )


@pytest.fixture
async def memory_app() -> AsyncIterator[FastAPI]:
    settings = Settings(database_url="sqlite+aiosqlite://", request_log_process=True)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


async def test_a_database_in_memory_keeps_the_log_in_the_server_process(
    memory_app: FastAPI,
) -> None:
    runtime: Runtime = memory_app.state.runtime
    assert not isinstance(getattr(runtime.request_log.write_batch, "__self__", None), WriterProcess)
    assert runtime.request_log.close is None
