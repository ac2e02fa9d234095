"""The async client against the app in process (httpx.ASGITransport), on both engines."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from agent_activity.client import (
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
)
from agent_activity.domain.tenancy.principal import READ
from agent_activity.runtime import Runtime
from tests.conftest import FakeClock
from tests.factories import Tenant, make_token


def connect(app: FastAPI, token: str) -> AsyncClient:
    return AsyncClient("http://testserver", token, transport=httpx.ASGITransport(app=app))


@pytest.fixture
async def api(app: FastAPI, tenant: Tenant) -> AsyncIterator[AsyncClient]:
    async with connect(app, tenant.token) as client:
        yield client


async def test_agents_and_runs_round_trip(api: AsyncClient, clock: FakeClock) -> None:
    agent = await api.agents.create("Inbox triage", config={"model": "small"})
    version = await api.agents.add_version(agent.agent_uid, {"model": "large"})
    fetched = await api.agents.get(agent.agent_uid)
    assert [v.version for v in fetched.versions] == [1, 2]
    assert fetched.versions[1] == version

    run = await api.runs.create(agent.agent_uid, trigger_type="webhook", idempotency_key="k")
    again = await api.runs.create(agent.agent_uid, trigger_type="webhook", idempotency_key="k")
    assert again.id == run.id and run.status == "pending"
    assert run.agent_version_uid == version.agent_version_uid
    clock.advance(1)
    moved = await api.runs.update(agent.agent_uid, run.id, status="running")
    assert moved.started_on == clock()
    clock.advance(1)
    done = await api.runs.update(
        agent.agent_uid, run.id, status="completed", token_usage={"input": 3}
    )
    assert done.completed_on == clock() and done.token_usage == {"input": 3, "total": 3}
    assert (await api.runs.get(agent.agent_uid, run.id)) == done


async def test_listing_filters_groups_and_walks_every_page(
    api: AsyncClient, clock: FakeClock
) -> None:
    agent = await api.agents.create("Walker")
    made = []
    for index in range(23):
        trigger = "schedule" if index % 3 else "manual"
        made.append(await api.runs.create(agent.agent_uid, trigger_type=trigger, status="running"))
        clock.advance(1)
    walked = [run async for run in api.runs.iter(agent.agent_uid, per_page=5)]
    assert [run.id for run in walked] == [run.id for run in reversed(made)]
    oldest_first = [run async for run in api.runs.iter(agent.agent_uid, sort="+started_on")]
    assert [run.id for run in oldest_first] == [run.id for run in made]

    since = made[20].started_on
    assert since is not None
    recent = await api.runs.list(agent.agent_uid, started_on_from=since, fields=["status"])
    assert recent.total_items == 3 and recent.items[0].attributes == {"status": "running"}
    pages = [page async for page in api.runs.pages(agent.agent_uid, per_page=10)]
    assert [len(page.items) for page in pages] == [10, 10, 3]
    groups = await api.runs.groups(agent.agent_uid, per_page=2, status=["running"])
    assert [(g.trigger_type, g.page.total_items) for g in groups] == [
        ("manual", 8),
        ("schedule", 15),
    ]
    assert all(len(g.page.items) == 2 for g in groups)
    none = [run async for run in api.runs.iter(agent.agent_uid, status="failed")]
    assert none == []


async def test_track_marks_completed_with_tokens(api: AsyncClient) -> None:
    agent = await api.agents.create("Tracker")
    async with api.runs.track(agent.agent_uid, trigger_type="email_received") as run:
        assert run.run.status == "running"
        run.add_tokens(input=10, output=2)
        run.add_tokens(input=5)
    assert run.run.status == "completed"
    assert run.run.token_usage == {"input": 15, "output": 2, "total": 17}


async def test_track_marks_failed_and_lets_the_exception_through(api: AsyncClient) -> None:
    agent = await api.agents.create("Tracker")
    with pytest.raises(RuntimeError, match="mailbox full"):
        async with api.runs.track(agent.agent_uid, trigger_type="manual") as run:
            raise RuntimeError("mailbox full")
    stored = await api.runs.get(agent.agent_uid, run.id)
    assert stored.status == "failed" and stored.error == "RuntimeError: mailbox full"


async def test_a_cancelled_task_marks_the_run_cancelled(api: AsyncClient) -> None:
    agent = await api.agents.create("Tracker")
    entered = asyncio.Event()
    handles = []

    async def work() -> None:
        async with api.runs.track(agent.agent_uid, trigger_type="schedule") as run:
            handles.append(run)
            entered.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(work())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await api.runs.get(agent.agent_uid, handles[0].id)).status == "cancelled"


async def test_errors_are_typed_and_carry_status_and_body(
    api: AsyncClient, app: FastAPI, runtime: Runtime, tenant: Tenant
) -> None:
    agent = await api.agents.create("Strict")
    with pytest.raises(NotFoundError) as missing:
        await api.agents.get("01a2084e-9722-7662-90cd-39f623e2ecd6")
    assert missing.value.status_code == 404 and missing.value.code == "NOT_FOUND"
    assert missing.value.body["error"]["details"]["resource_type"] == "agent"
    run = await api.runs.create(agent.agent_uid, trigger_type="manual")
    with pytest.raises(ConflictError, match="from pending to completed"):
        await api.runs.update(agent.agent_uid, run.id, status="completed")
    with pytest.raises(BadRequestError) as bad:
        await api.runs.list(agent.agent_uid, status="done")
    assert "unknown status done" in bad.value.message
    with pytest.raises(ValueError, match="timezone"):
        await api.runs.list(agent.agent_uid, started_on_from=datetime(2026, 3, 1))
    assert run.created_on is not None
    reader_token = await make_token(runtime, tenant, [READ])
    async with connect(app, reader_token) as reader:
        with pytest.raises(PermissionDeniedError):
            await reader.runs.list(agent.agent_uid, fields=["token_usage"])
        listed = await reader.runs.list(agent.agent_uid, created_on_to=run.created_on)
        assert listed.total_items == 1
    async with connect(app, "aa_wrong") as stranger:
        with pytest.raises(AuthenticationError):
            await stranger.runs.list(agent.agent_uid)


async def test_request_reaches_endpoints_not_wrapped_yet(api: AsyncClient) -> None:
    agent = await api.agents.create("Raw")
    body = await api.request(
        "GET", f"/api/agents/{agent.agent_uid}/activities", params={"per_page": "1"}
    )
    assert body["data"]["_meta"]["per_page"] == 1
    hour_later = datetime.now().astimezone() + timedelta(hours=1)
    page = await api.runs.list(agent.agent_uid, created_on_from=hour_later.isoformat())
    assert page.total_items == 0
