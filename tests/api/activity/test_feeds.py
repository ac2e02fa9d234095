"""Every feed of file 004 returns exactly its records, newest first, in the documented shape."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from agent_activity.runtime import Runtime
from tests.api.activity.helpers import activity, add_workspace, ingest, newest_first, walk
from tests.conftest import FakeClock
from tests.factories import Tenant

SPEC_KEYS = {
    "id", "timestamp", "trace_id", "user_id", "workspace_id", "app_id", "principal_type",
    "principal_id", "token_id", "token_type", "method", "path", "resource_type", "resource_id",
    "action", "status_code", "success", "error_code", "duration_ms", "execution_id",
    "augmentation_id", "stages_completed", "total_stages", "token_usage", "metadata",
}  # fmt: skip
# Added to file 004's shape by the OTLP receiver (docs/otlp.md); null for ingested records.
ATTRIBUTION_KEYS = {"ticket_id", "agent_session_id"}


@dataclass
class World:
    tenant: Tenant
    w1: str
    w2: str
    me: str
    records: list[dict[str, Any]]

    def expect(self, keep: Callable[[dict[str, Any]], bool]) -> list[str]:
        return newest_first([r for r in self.records if keep(r)])


@pytest.fixture
async def world(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, clock: FakeClock
) -> World:
    w1 = str(tenant.workspace_id)
    w2 = str(await add_workspace(runtime, tenant, "Second"))
    me = str(tenant.user_id)
    records = []
    for i in range(45):
        records.append(
            activity(
                clock() - timedelta(minutes=13 * i),
                workspace_id=(w1, w2, None)[i % 3],
                user_id=(me, "user-2", None, "user-2")[i % 4],
                app_id=("app-1", "app-2")[i % 2],
                endpoint_id=("ep-1", "ep-2", "ep-3")[i % 3] if i % 2 == 0 else "ep-9",
                augmentation_id="aug-1" if i % 5 == 0 else None,
                resource_id=("res-1", "res-2")[i % 2],
                resource_type=("endpoint", "augmentation", "app")[i % 3],
                action=("read", "create", "execute", "delete")[i % 4],
                status_code=500 if i % 7 == 0 else 200,
                duration_ms=float(i * 10),
            )
        )
    await ingest(client, tenant, records)
    return World(tenant, w1, w2, me, records)


CASES: list[tuple[str, str, dict[str, str], Callable[[World, dict[str, Any]], bool]]] = [
    ("org", "/activity", {}, lambda w, r: True),
    ("workspace", "/workspaces/{w1}/activity", {}, lambda w, r: r["workspace_id"] == w.w1),
    ("user", "/users/user-2/activity", {}, lambda w, r: r["user_id"] == "user-2"),
    (
        "user in workspace",
        "/users/user-2/activity",
        {"workspace_id": "{w2}"},
        lambda w, r: r["user_id"] == "user-2" and r["workspace_id"] == w.w2,
    ),
    ("me", "/me/activity", {}, lambda w, r: r["user_id"] == w.me),
    (
        "me in workspace",
        "/me/activity",
        {"workspace_id": "{w1}"},
        lambda w, r: r["user_id"] == w.me and r["workspace_id"] == w.w1,
    ),
    (
        "app",
        "/workspaces/{w1}/apps/app-1/activity",
        {},
        lambda w, r: r["workspace_id"] == w.w1 and r["app_id"] == "app-1",
    ),
    (
        "endpoint",
        "/workspaces/{w1}/apps/app-2/endpoints/ep-9/activity",
        {},
        lambda w, r: (r["workspace_id"], r["app_id"], r["endpoint_id"]) == (w.w1, "app-2", "ep-9"),
    ),
    (
        "augmentation",
        "/workspaces/{w2}/augmentations/aug-1/activity",
        {},
        lambda w, r: r["workspace_id"] == w.w2 and r["augmentation_id"] == "aug-1",
    ),
    (
        "action",
        "/workspaces/{w1}/activity/actions/execute",
        {},
        lambda w, r: r["workspace_id"] == w.w1 and r["action"] == "execute",
    ),
    (
        "resource",
        "/workspaces/{w2}/resources/res-2/activity",
        {},
        lambda w, r: r["workspace_id"] == w.w2 and r["resource_id"] == "res-2",
    ),
]


@pytest.mark.parametrize(("name", "path", "params", "keep"), CASES, ids=[c[0] for c in CASES])
async def test_each_feed_returns_its_records_newest_first(
    client: httpx.AsyncClient,
    world: World,
    name: str,
    path: str,
    params: dict[str, str],
    keep: Callable[[World, dict[str, Any]], bool],
) -> None:
    url = f"/v1/orgs/{world.tenant.org_id}" + path.format(w1=world.w1, w2=world.w2)
    query = {k: v.format(w1=world.w1, w2=world.w2) for k, v in params.items()}
    expected = world.expect(lambda r: keep(world, r))
    assert expected, "the case must match some records"
    seen = await walk(client, url, world.tenant.headers, limit=4, **query)
    assert [a["id"] for a in seen] == expected
    first = (await client.get(url, params=query, headers=world.tenant.headers)).json()
    assert first["total"] == len(expected)
    assert len(first["activities"]) == min(50, len(expected))


async def test_time_range_is_start_inclusive_end_exclusive(
    client: httpx.AsyncClient, world: World
) -> None:
    ordered = sorted(world.records, key=lambda r: r["timestamp"])
    start, end = ordered[5]["timestamp"], ordered[30]["timestamp"]
    expected = newest_first(ordered[5:30])
    for path in ("/activity", f"/workspaces/{world.w1}/activity", "/users/user-2/activity"):
        url = f"/v1/orgs/{world.tenant.org_id}{path}"
        params = {"start_time": start, "end_time": end}
        keep = set(newest_first([r for r in ordered[5:30] if path_keeps(path, world, r)]))
        seen = await walk(client, url, world.tenant.headers, limit=3, **params)
        assert [a["id"] for a in seen] == [i for i in expected if i in keep]
        page = (await client.get(url, params=params, headers=world.tenant.headers)).json()
        assert page["total"] == len(keep), path


def path_keeps(path: str, world: World, record: dict[str, Any]) -> bool:
    if "workspaces" in path:
        return bool(record["workspace_id"] == world.w1)
    if "users" in path:
        return bool(record["user_id"] == "user-2")
    return True


async def test_open_ended_ranges_and_limit(client: httpx.AsyncClient, world: World) -> None:
    url = f"/v1/orgs/{world.tenant.org_id}/activity"
    middle = sorted(world.records, key=lambda r: r["timestamp"])[20]["timestamp"]
    since = await client.get(url, params={"start_time": middle}, headers=world.tenant.headers)
    assert since.json()["total"] == 25
    until = await client.get(url, params={"end_time": middle}, headers=world.tenant.headers)
    assert until.json()["total"] == 20
    page = (await client.get(url, params={"limit": 200}, headers=world.tenant.headers)).json()
    assert len(page["activities"]) == 45
    assert page["has_more"] is False
    assert page["next_cursor"] is None
    one = (await client.get(url, params={"limit": 1}, headers=world.tenant.headers)).json()
    assert [a["id"] for a in one["activities"]] == world.expect(lambda r: True)[:1]
    assert one["has_more"] is True


async def test_record_shape_is_file_004s(
    client: httpx.AsyncClient, tenant: Tenant, clock: FakeClock
) -> None:
    full = {
        "id": "client-42",
        "timestamp": "2025-03-04T05:06:07.123456+00:00",
        "trace_id": "trace-1",
        "user_id": "u-1",
        "workspace_id": str(tenant.workspace_id),
        "app_id": "app-1",
        "principal_type": "user",
        "principal_id": "u-1",
        "token_id": "tok-1",
        "token_type": "api_token",
        "method": "POST",
        "path": "/v1/apps/app-1/run",
        "resource_type": "augmentation",
        "resource_id": "aug-7",
        "action": "execute",
        "status_code": 502,
        "success": False,
        "error_code": "UPSTREAM",
        "duration_ms": 12.5,
        "execution_id": "exec-1",
        "augmentation_id": "aug-7",
        "stages_completed": 2,
        "total_stages": 3,
        "token_usage": {"input_tokens": 10, "output_tokens": 4},
        "metadata": {"nested": {"ok": True}},
    }
    bare = {"id": "client-43", "timestamp": "2025-03-04T05:06:06"}
    await ingest(client, tenant, [full, bare])
    page = (await client.get(f"/v1/orgs/{tenant.org_id}/activity", headers=tenant.headers)).json()
    assert set(page) == {"total", "has_more", "next_cursor", "activities"}
    got, minimal = page["activities"]
    assert set(got) == SPEC_KEYS | ATTRIBUTION_KEYS
    assert got == full | dict.fromkeys(ATTRIBUTION_KEYS)
    assert minimal["id"] == "client-43"
    assert minimal["timestamp"] == "2025-03-04T05:06:06.000000+00:00"
    assert minimal["success"] is True
    assert minimal["token_usage"] == {} and minimal["metadata"] == {}
    assert minimal["action"] is None


async def test_records_without_a_client_id_show_their_own_uuid(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, clock: FakeClock
) -> None:
    from agent_activity.domain.activity.store import write_activity_records

    async with runtime.sessionmaker() as session, session.begin():
        await write_activity_records(session, [{"org_id": tenant.org_id, "timestamp": clock()}])
    page = (await client.get(f"/v1/orgs/{tenant.org_id}/activity", headers=tenant.headers)).json()
    assert uuid.UUID(page["activities"][0]["id"]).version == 7
