"""POST /v1/orgs/{org_id}/activity: validated, all or nothing, idempotent by the client's id."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest

from agent_activity.config import Settings
from agent_activity.domain.activity import rollups, store
from agent_activity.domain.tenancy.principal import INGEST
from agent_activity.runtime import Runtime
from tests.api.activity.helpers import activity
from tests.conftest import FakeClock
from tests.domain.activity.stored import stored
from tests.factories import Tenant, make_token


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, rate_limit_per_minute=0, request_log_enabled=False)


def url(tenant: Tenant) -> str:
    return f"/v1/orgs/{tenant.org_id}/activity"


async def post(client: httpx.AsyncClient, tenant: Tenant, records: list[Any]) -> httpx.Response:
    # Serialised here with escapes (json's default), so a lone surrogate can be sent at all.
    body = json.dumps({"activities": records})
    headers = {**tenant.headers, "Content-Type": "application/json"}
    return await client.post(url(tenant), content=body, headers=headers)


async def test_a_replayed_batch_is_a_no_op(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, clock: FakeClock
) -> None:
    batch = [activity(clock() - timedelta(days=30, seconds=i)) for i in range(5)]
    first = await post(client, tenant, batch)
    assert first.status_code == 201
    assert first.json() == {"accepted": 5, "inserted": 5, "duplicates": 0}
    overlapping = [*batch[3:], activity(clock())]
    overlapping[0] = {**overlapping[0], "action": "changed"}  # first write of an id wins
    second = await post(client, tenant, overlapping)
    assert second.json() == {"accepted": 3, "inserted": 1, "duplicates": 2}
    assert await stored(runtime, tenant) == (6, 6)
    page = (await client.get(url(tenant), headers=tenant.headers)).json()
    assert "changed" not in [a["action"] for a in page["activities"]]


async def test_the_same_client_id_may_exist_in_two_orgs(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, clock: FakeClock
) -> None:
    record = activity(clock())
    assert (await post(client, tenant, [record])).json()["inserted"] == 1
    assert (await post(client, other_tenant, [record])).json()["inserted"] == 1


async def test_concurrent_identical_batches_store_each_record_once(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, clock: FakeClock
) -> None:
    batch = [activity(clock() - timedelta(seconds=i)) for i in range(50)]
    answers = await asyncio.gather(*(post(client, tenant, batch) for _ in range(4)))
    assert all(a.status_code == 201 for a in answers), [a.text for a in answers]
    assert sum(a.json()["inserted"] for a in answers) == 50
    assert await stored(runtime, tenant) == (50, 50)


INVALID: list[tuple[dict[str, Any], list[Any]]] = [
    ({"id": ""}, ["body", "activities", 1, "id"]),
    ({"id": "x" * 129}, ["body", "activities", 1, "id"]),
    ({"timestamp": "soon"}, ["body", "activities", 1, "timestamp"]),
    ({"status_code": 42}, ["body", "activities", 1, "status_code"]),
    ({"duration_ms": -1}, ["body", "activities", 1, "duration_ms"]),
    ({"token_usage": {"input": -5}}, ["body", "activities", 1, "token_usage", "input"]),
    ({"unknown_field": 1}, ["body", "activities", 1, "unknown_field"]),
    ({"workspace_id": "w" * 65}, ["body", "activities", 1, "workspace_id"]),
    # Numbers past what the database holds or the rollups sum (once a 500 from the driver).
    ({"stages_completed": 2**70}, ["body", "activities", 1, "stages_completed"]),
    ({"total_stages": 2**31}, ["body", "activities", 1, "total_stages"]),
    ({"token_usage": {"input": 2**63}}, ["body", "activities", 1, "token_usage", "input"]),
    ({"token_usage": {f"k{i}": 1 for i in range(33)}}, ["body", "activities", 1, "token_usage"]),
    ({"duration_ms": 1e300}, ["body", "activities", 1, "duration_ms"]),
    # JSON can spell a lone surrogate, which no text column stores (once a 500 as well).
    ({"path": "\ud800"}, ["body", "activities", 1, "path"]),
    ({"metadata": {"note": ["\udfff"]}}, ["body", "activities", 1, "metadata"]),
    ({"metadata": {"ratio": float("inf")}}, ["body", "activities", 1, "metadata"]),
    ({"metadata": {"n": [2**64]}}, ["body", "activities", 1, "metadata"]),
    # A time whose UTC conversion falls before year 1 (once an OverflowError, a 500).
    ({"timestamp": "0001-01-01T00:30:00+01:00"}, ["body", "activities", 1, "timestamp"]),
    # PostgreSQL's text and JSON refuse the NUL character: refused on both engines alike.
    ({"path": "/a\x00b"}, ["body", "activities", 1, "path"]),
    ({"id": "x\x00"}, ["body", "activities", 1, "id"]),
    ({"metadata": {"note": "a\x00"}}, ["body", "activities", 1, "metadata"]),
    ({"token_usage": {"in\x00": 1}}, ["body", "activities", 1, "token_usage", "in\x00", "[key]"]),
    # Python's JSON reader takes NaN, which the 422 must not echo as a number.
    ({"duration_ms": float("nan")}, ["body", "activities", 1, "duration_ms"]),
]


@pytest.mark.parametrize(("change", "loc"), INVALID)
async def test_one_bad_record_rejects_the_whole_batch(
    client: httpx.AsyncClient,
    runtime: Runtime,
    tenant: Tenant,
    clock: FakeClock,
    change: dict[str, Any],
    loc: list[Any],
) -> None:
    batch = [activity(clock()), {**activity(clock()), **change}, activity(clock())]
    response = await post(client, tenant, batch)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == loc
    assert await stored(runtime, tenant) == (0, 0)


async def test_batch_rules(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, clock: FakeClock
) -> None:
    twin = activity(clock())
    response = await post(client, tenant, [activity(clock()), twin, twin])
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "activities", 2, "id"]
    ahead = activity(clock() + timedelta(minutes=6))
    response = await post(client, tenant, [ahead])
    assert response.json()["detail"][0]["loc"] == ["body", "activities", 0, "timestamp"]
    assert (
        await post(client, tenant, [activity(clock() + timedelta(minutes=4))])
    ).status_code == 201
    for size, status in ((0, 422), (1001, 422), (1000, 201)):
        batch = [activity(clock() - timedelta(seconds=i)) for i in range(size)]
        assert (await post(client, tenant, batch)).status_code == status, size
    response = await client.post(url(tenant), json={"records": []}, headers=tenant.headers)
    assert response.status_code == 422
    assert await stored(runtime, tenant) == (1001, 1001)


async def test_a_database_failure_stores_nothing(
    client: httpx.AsyncClient,
    runtime: Runtime,
    tenant: Tenant,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batch = [activity(clock()), activity(clock() - timedelta(seconds=1))]
    original = rollups.add_to_rollups

    async def fails_after_writing(*args: Any, **kwargs: Any) -> None:
        await original(*args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "add_to_rollups", fails_after_writing)
    response = await post(client, tenant, batch)
    assert response.status_code == 500
    assert response.json()["error"] == "INTERNAL_SERVER_ERROR"
    assert await stored(runtime, tenant) == (0, 0)
    monkeypatch.undo()
    assert (await post(client, tenant, batch)).json()["inserted"] == 2


async def test_ingest_needs_the_ingest_scope_and_writes_only_its_own_org(
    client: httpx.AsyncClient,
    runtime: Runtime,
    tenant: Tenant,
    other_tenant: Tenant,
    clock: FakeClock,
) -> None:
    only_ingest = {"Authorization": f"Bearer {await make_token(runtime, tenant, [INGEST])}"}
    body = {"activities": [activity(clock())]}
    assert (await client.post(url(tenant), json=body, headers=only_ingest)).status_code == 201
    response = await client.post(url(other_tenant), json=body, headers=only_ingest)
    assert response.status_code == 404
    assert response.json()["details"] == {
        "resource_type": "org",
        "resource_id": str(other_tenant.org_id),
    }
    assert await stored(runtime, other_tenant) == (0, 0)
    response = await client.post(url(tenant), json=body)
    assert response.status_code == 401


async def test_success_defaults_from_the_status_code(
    client: httpx.AsyncClient, tenant: Tenant, clock: FakeClock
) -> None:
    records = [
        activity(clock(), status_code=503),
        activity(clock() - timedelta(seconds=1), status_code=201),
        activity(clock() - timedelta(seconds=2), status_code=503, success=True),
        activity(clock() - timedelta(seconds=3)),
    ]
    await post(client, tenant, records)
    page = (await client.get(url(tenant), headers=tenant.headers)).json()
    assert [a["success"] for a in page["activities"]] == [False, True, True, True]
