"""Recording runs over HTTP: create, idempotency, the status lifecycle, token usage, activity."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import ActivityRecord
from agent_activity.domain.tenancy.principal import READ, WRITE
from agent_activity.runtime import Runtime
from tests.api.agents.helpers import create_agent, create_run, patch_run
from tests.conftest import FakeClock
from tests.factories import Tenant, make_token

STATUSES = ("pending", "running", "completed", "failed", "cancelled", "stopped")
LEGAL = {
    ("pending", "running"),
    ("pending", "cancelled"),
    ("running", "completed"),
    ("running", "failed"),
    ("running", "cancelled"),
    ("running", "stopped"),
}
# The path from a new run to each status, through legal moves only.
PATHS = {
    "pending": [],
    "running": ["running"],
    "completed": ["running", "completed"],
    "failed": ["running", "failed"],
    "cancelled": ["running", "cancelled"],
    "stopped": ["running", "stopped"],
}


async def post_run(
    client: httpx.AsyncClient, tenant: Tenant, agent_uid: str, key: str | None, **body: Any
) -> httpx.Response:
    headers = {**tenant.headers, **({"Idempotency-Key": key} if key else {})}
    return await client.post(
        f"/api/agents/{agent_uid}/runs", json={"trigger_type": "webhook", **body}, headers=headers
    )


async def records_for(db: AsyncSession, run_id: str) -> list[ActivityRecord]:
    rows = await db.scalars(
        select(ActivityRecord)
        .where(ActivityRecord.resource_id == run_id, ActivityRecord.action != "read")
        .where(ActivityRecord.status_code < 400)
        .order_by(ActivityRecord.timestamp, ActivityRecord.id)
    )
    return list(rows)


async def test_a_run_goes_through_its_lifecycle(
    client: httpx.AsyncClient, tenant: Tenant, clock: FakeClock
) -> None:
    agent_uid = await create_agent(client, tenant)
    run = await create_run(client, tenant, agent_uid, trigger_type="schedule")
    assert run["attributes"]["status"] == "pending"
    assert run["attributes"]["started_on"] is None
    clock.advance(2)
    started = await patch_run(client, tenant, agent_uid, run["id"], status="running")
    assert started.status_code == 200
    started_on = started.json()["data"]["attributes"]["started_on"]
    assert started_on == clock().isoformat().replace("+00:00", "Z")
    clock.advance(1)
    # Sending the current status again is no move: a retried PATCH does not fail or restamp.
    again = await patch_run(client, tenant, agent_uid, run["id"], status="running")
    assert again.status_code == 200
    assert again.json()["data"]["attributes"]["started_on"] == started_on
    clock.advance(3)
    failed = await patch_run(
        client, tenant, agent_uid, run["id"], status="failed", error="Mailbox unreachable"
    )
    attributes = failed.json()["data"]["attributes"]
    assert attributes["status"] == "failed" and attributes["error"] == "Mailbox unreachable"
    assert attributes["started_on"] == started_on
    assert attributes["completed_on"] == clock().isoformat().replace("+00:00", "Z")
    fetched = await client.get(f"/api/agents/{agent_uid}/runs/{run['id']}", headers=tenant.headers)
    assert fetched.json()["data"] == failed.json()["data"]


async def test_a_later_step_is_never_stamped_earlier_than_the_one_before(
    client: httpx.AsyncClient, tenant: Tenant, clock: FakeClock
) -> None:
    # Another process whose clock is behind may stamp the next step; the order still holds.
    agent_uid = await create_agent(client, tenant)
    run = await create_run(client, tenant, agent_uid)
    created_on = run["attributes"]["created_on"]
    clock.advance(-30)
    started = await patch_run(client, tenant, agent_uid, run["id"], status="running")
    assert started.json()["data"]["attributes"]["started_on"] == created_on
    clock.advance(60)
    clock_started = clock().isoformat().replace("+00:00", "Z")
    restarted = await create_run(client, tenant, agent_uid, status="running")
    assert restarted["attributes"]["started_on"] == clock_started
    clock.advance(-10)
    done = await patch_run(client, tenant, agent_uid, restarted["id"], status="completed")
    assert done.json()["data"]["attributes"]["completed_on"] == clock_started
    pending = await create_run(client, tenant, agent_uid)
    clock.advance(-5)
    cancelled = await patch_run(client, tenant, agent_uid, pending["id"], status="cancelled")
    attributes = cancelled.json()["data"]["attributes"]
    assert attributes["started_on"] is None
    assert attributes["completed_on"] == pending["attributes"]["created_on"]


async def test_a_run_may_be_created_running(client: httpx.AsyncClient, tenant: Tenant) -> None:
    agent_uid = await create_agent(client, tenant)
    run = await create_run(client, tenant, agent_uid, status="running")
    assert run["attributes"]["started_on"] == run["attributes"]["created_on"]


MOVES = [(a, b) for a, b in itertools.product(STATUSES, STATUSES) if a != b]


@pytest.mark.parametrize(("start", "target"), MOVES)
async def test_every_move_is_allowed_or_a_clear_409(
    client: httpx.AsyncClient, tenant: Tenant, start: str, target: str
) -> None:
    agent_uid = await create_agent(client, tenant)
    run = await create_run(client, tenant, agent_uid)
    for step in PATHS[start]:
        assert (await patch_run(client, tenant, agent_uid, run["id"], status=step)).is_success
    response = await patch_run(client, tenant, agent_uid, run["id"], status=target)
    if (start, target) in LEGAL:
        assert response.status_code == 200
        assert response.json()["data"]["attributes"]["status"] == target
        return
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "CONFLICT"
    assert f"from {start} to {target}" in error["message"]


async def test_a_finished_run_no_longer_changes(client: httpx.AsyncClient, tenant: Tenant) -> None:
    agent_uid = await create_agent(client, tenant)
    run = await create_run(client, tenant, agent_uid, status="running")
    await patch_run(client, tenant, agent_uid, run["id"], status="completed")
    late = await patch_run(client, tenant, agent_uid, run["id"], token_usage={"input": 1})
    assert late.status_code == 409 and "finished run" in late.json()["error"]["message"]
    same = await patch_run(client, tenant, agent_uid, run["id"], status="completed")
    assert same.status_code == 409


async def test_token_usage_adds_up(client: httpx.AsyncClient, tenant: Tenant) -> None:
    agent_uid = await create_agent(client, tenant)
    run = await create_run(client, tenant, agent_uid, status="running")
    for usage in ({"input": 100, "output": 20}, {"input": 5}, {"cache_read": 7}):
        response = await patch_run(client, tenant, agent_uid, run["id"], token_usage=usage)
        assert response.status_code == 200
    done = await patch_run(
        client, tenant, agent_uid, run["id"], status="completed", token_usage={"output": 1}
    )
    usage = done.json()["data"]["attributes"]["token_usage"]
    assert usage == {"input": 105, "output": 21, "cache_read": 7, "total": 133}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"status": "paused"},
        {"token_usage": {"input": -1}},
        {"token_usage": {"input": 1.5}},
        {"token_usage": {"total": 3}},
        {"token_usage": {"Input Tokens": 3}},
        {"token_usage": "many"},
        {"error": "x" * 5001},
        {"colour": "red"},
    ],
)
async def test_bad_updates_are_400(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any]
) -> None:
    agent_uid = await create_agent(client, tenant)
    run = await create_run(client, tenant, agent_uid, status="running")
    response = await patch_run(client, tenant, agent_uid, run["id"], **body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    "body",
    [
        {"trigger_type": "carrier_pigeon"},
        {"trigger_type": None},
        {"status": "completed"},
        {"agent_version_uid": str(uuid.uuid4())},
        {"scratchpad_uid": "sp-1"},
        {"sandbox": "sometimes"},
        {"approach": "Loop With Spaces"},
        {"extra": 1},
    ],
)
async def test_bad_runs_are_400(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any]
) -> None:
    agent_uid = await create_agent(client, tenant)
    response = await post_run(client, tenant, agent_uid, None, **body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"]["issues"]


async def test_the_idempotency_key_returns_the_same_run(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession
) -> None:
    agent_uid = await create_agent(client, tenant)
    first = await post_run(client, tenant, agent_uid, "delivery-42")
    retry = await post_run(client, tenant, agent_uid, "delivery-42")
    assert first.status_code == retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert retry.json()["data"]["id"] == first.json()["data"]["id"]
    other = await post_run(client, tenant, agent_uid, "delivery-43")
    assert other.json()["data"]["id"] != first.json()["data"]["id"]
    no_key = [await post_run(client, tenant, agent_uid, None) for _ in range(2)]
    assert no_key[0].json()["data"]["id"] != no_key[1].json()["data"]["id"]
    # The same key on another agent is another run: keys are per agent.
    elsewhere = await post_run(client, tenant, await create_agent(client, tenant), "delivery-42")
    assert elsewhere.json()["data"]["id"] != first.json()["data"]["id"]
    listed = await client.get(f"/api/agents/{agent_uid}/activities", headers=tenant.headers)
    assert listed.json()["data"]["_meta"]["total_items"] == 4
    assert len(await records_for(db, first.json()["data"]["id"])) == 1


async def test_reusing_a_key_for_a_different_run_is_409(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    agent_uid = await create_agent(client, tenant)
    await post_run(client, tenant, agent_uid, "k-1", trigger_type="webhook")
    response = await post_run(client, tenant, agent_uid, "k-1", trigger_type="manual")
    assert response.status_code == 409
    assert "trigger_type" in response.json()["error"]["message"]
    bad_key = await post_run(client, tenant, agent_uid, "x" * 201)
    assert bad_key.status_code == 400


async def test_every_create_and_move_is_an_activity_record(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession, clock: FakeClock
) -> None:
    agent_uid = await create_agent(client, tenant, workspace_id=str(tenant.workspace_id))
    run = await create_run(client, tenant, agent_uid)
    clock.advance(1)
    await patch_run(client, tenant, agent_uid, run["id"], status="running")
    clock.advance(1)
    await patch_run(client, tenant, agent_uid, run["id"], status="completed", token_usage={"a": 4})
    refused = await patch_run(client, tenant, agent_uid, run["id"], status="running")
    assert refused.status_code == 409  # logged by the request log as a failure, not here
    records = await records_for(db, run["id"])
    assert [(r.action, r.record_metadata and r.record_metadata["status"]) for r in records] == [
        ("create", "pending"),
        ("update", "running"),
        ("update", "completed"),
    ]
    last = records[-1]
    assert last.resource_type == "agent_run" and last.org_id == tenant.org_id
    assert last.workspace_id == str(tenant.workspace_id)
    assert last.user_id == str(tenant.user_id) and last.principal_type == "user"
    assert last.method == "PATCH" and last.status_code == 200
    assert last.path == f"/api/agents/{agent_uid}/runs/{run['id']}"
    assert last.token_usage == {"a": 4} and last.total_tokens == 4
    assert last.record_metadata == {
        "agent_uid": agent_uid,
        "status": "completed",
        "trigger_type": "manual",
        "from_status": "running",
        "token_usage_added": {"a": 4},
    }
    assert last.timestamp == clock()


async def test_writing_runs_needs_the_write_permission(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    agent_uid = await create_agent(client, tenant)
    run = await create_run(client, tenant, agent_uid)
    reader = Tenant(**{**tenant.__dict__, "token": await make_token(runtime, tenant, [READ])})
    created = await post_run(client, reader, agent_uid, None)
    assert created.status_code == 403
    assert created.json()["error"]["details"] == {"required_permission": WRITE}
    moved = await patch_run(client, reader, agent_uid, run["id"], status="running")
    assert moved.status_code == 403
    seen = await client.get(f"/api/agents/{agent_uid}/runs/{run['id']}", headers=reader.headers)
    assert seen.status_code == 200 and "token_usage" not in seen.json()["data"]["attributes"]


async def test_runs_of_other_agents_and_orgs_are_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    agent_uid = await create_agent(client, tenant)
    run = await create_run(client, tenant, agent_uid)
    sibling = await create_agent(client, tenant)
    wrong_agent = await patch_run(client, tenant, sibling, run["id"], status="running")
    assert wrong_agent.status_code == 404
    assert wrong_agent.json()["error"]["details"]["resource_type"] == "agent_run"
    for response in (
        await patch_run(client, other_tenant, agent_uid, run["id"], status="running"),
        await post_run(client, other_tenant, agent_uid, None),
        await client.get(f"/api/agents/{agent_uid}/runs/{run['id']}", headers=other_tenant.headers),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["details"]["resource_type"] == "agent"
    unknown = await client.get(
        f"/api/agents/{agent_uid}/runs/{uuid.uuid4()}", headers=tenant.headers
    )
    assert unknown.status_code == 404
