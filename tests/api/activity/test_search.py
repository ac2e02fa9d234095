"""Search: every filter and their combinations match a reference filter written plainly."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_activity.runtime import Runtime
from tests.api.activity.helpers import ingest, newest_first, walk
from tests.conftest import FakeClock
from tests.factories import make_tenant

FILTERS = st.fixed_dictionaries(
    {},
    optional={
        "action": st.sampled_from(["read", "execute", "nope"]),
        "resource_type": st.sampled_from(["app", "endpoint"]),
        "user_id": st.sampled_from(["u-1", "u-2"]),
        "status": st.sampled_from(["success", "error"]),
        "min_duration_ms": st.sampled_from([0, 50, 99.5, 100]),
        "max_duration_ms": st.sampled_from([0, 100, 250]),
        "start_minutes_ago": st.integers(0, 300),
        "limit": st.integers(1, 7),
    },
)


def matches(record: dict[str, Any], workspace: str, query: dict[str, Any]) -> bool:
    duration = record.get("duration_ms")
    checks = [
        record.get("workspace_id") == workspace,
        query.get("action") in (None, record.get("action")),
        query.get("resource_type") in (None, record.get("resource_type")),
        query.get("user_id") in (None, record.get("user_id")),
        query.get("status") in (None, "success" if record["success"] else "error"),
        "min_duration_ms" not in query
        or (duration is not None and duration >= query["min_duration_ms"]),
        "max_duration_ms" not in query
        or (duration is not None and duration <= query["max_duration_ms"]),
        "start_time" not in query or record["timestamp"] >= query["start_time"],
    ]
    return all(checks)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["read", "execute", None]),
            st.sampled_from(["app", "endpoint", None]),
            st.sampled_from(["u-1", "u-2", None]),
            st.booleans(),
            st.one_of(st.none(), st.sampled_from([0.0, 50.0, 99.5, 100.0, 250.0, 900.0])),
            st.booleans(),
        ),
        max_size=30,
    ),
    queries=st.lists(FILTERS, min_size=1, max_size=3),
)
async def test_search_matches_the_reference(
    client: httpx.AsyncClient,
    runtime: Runtime,
    clock: FakeClock,
    rows: list[tuple[Any, ...]],
    queries: list[dict[str, Any]],
) -> None:
    tenant = await make_tenant(runtime, "Search")
    workspace = str(tenant.workspace_id)
    records = []
    for index, (action, rtype, user, success, duration, here) in enumerate(rows):
        stamp = (clock() - timedelta(minutes=10 * index + 1)).isoformat(timespec="microseconds")
        record = {"id": f"s{index}", "timestamp": stamp, "success": success}
        record |= {"workspace_id": workspace if here else "elsewhere", "duration_ms": duration}
        record |= {"action": action, "resource_type": rtype, "user_id": user}
        records.append({k: v for k, v in record.items() if v is not None})
    if records:
        await ingest(client, tenant, records)
    url = f"/v1/orgs/{tenant.org_id}/workspaces/{workspace}/activity/search"
    for drawn in queries:
        query = dict(drawn)
        if "start_minutes_ago" in query:
            ago = timedelta(minutes=query.pop("start_minutes_ago"))
            query["start_time"] = (clock() - ago).isoformat(timespec="microseconds")
        limit = query.pop("limit", 50)
        expected = newest_first([r for r in records if matches(r, workspace, query)])
        seen = await walk(client, url, tenant.headers, limit=limit, **query)
        assert [a["id"] for a in seen] == expected, query
        total = (await client.get(url, params=query, headers=tenant.headers)).json()["total"]
        assert total == len(expected), query
