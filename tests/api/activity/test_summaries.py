"""Summaries (rolled up hourly, edges read raw) equal a plain scan of the records, on both engines.

Each hypothesis example works in a fresh org, so examples never see each other's records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_activity.runtime import Runtime
from tests.api.activity.helpers import ingest
from tests.conftest import FakeClock
from tests.factories import Tenant, make_tenant

Record = dict[str, Any]
SPAN_S = 200 * 3600


def when(record: Record) -> datetime:
    return datetime.fromisoformat(record["timestamp"])


def tokens_of(record: Record) -> int:
    usage = record.get("token_usage") or {}
    return int(usage["total_tokens"]) if "total_tokens" in usage else sum(usage.values())


def succeeded(record: Record) -> bool:
    if record.get("success") is not None:
        return bool(record["success"])
    return record.get("status_code") is None or record["status_code"] < 400


def reference(
    records: list[Record], keep: Callable[[Record], bool], now: datetime, hours: int
) -> dict[str, Any]:
    start = (now - timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)
    rows = [r for r in records if keep(r) and start <= when(r) <= now]
    durations = [r["duration_ms"] for r in rows if r.get("duration_ms") is not None]
    successes = sum(1 for r in rows if succeeded(r))
    return {
        "total_requests": len(rows),
        "successful_requests": successes,
        "failed_requests": len(rows) - successes,
        "avg_duration_ms": pytest.approx(
            sum(durations) / len(durations) if durations else 0.0, abs=1e-3
        ),
        "total_tokens_used": sum(tokens_of(r) for r in rows),
        "by_action": dict(Counter(r["action"] for r in rows if r.get("action"))),
        "by_resource": dict(Counter(r["resource_type"] for r in rows if r.get("resource_type"))),
        "start_time": start.isoformat(timespec="microseconds"),
        "end_time": now.isoformat(timespec="microseconds"),
    }


def summary_urls(tenant: Tenant) -> list[tuple[str, Callable[[Record], bool]]]:
    org, ws, me = tenant.org_id, str(tenant.workspace_id), str(tenant.user_id)
    return [
        (f"/v1/orgs/{org}/activity/summary", lambda r: True),
        (f"/v1/orgs/{org}/workspaces/{ws}/activity/summary", lambda r: r.get("workspace_id") == ws),
        (f"/v1/orgs/{org}/users/u-2/activity/summary", lambda r: r.get("user_id") == "u-2"),
        (f"/v1/orgs/{org}/me/activity/summary", lambda r: r.get("user_id") == me),
        (
            f"/v1/orgs/{org}/workspaces/{ws}/apps/a-1/endpoints/e-1/activity/summary",
            lambda r: (
                (r.get("workspace_id"), r.get("app_id"), r.get("endpoint_id")) == (ws, "a-1", "e-1")
            ),
        ),
    ]


def records_strategy(tenant_ws: str, me: str) -> st.SearchStrategy[list[Record]]:
    offsets = st.one_of(
        st.integers(0, SPAN_S * 1_000_000),
        st.sampled_from([h * 3_600_000_000 for h in (0, 1, 2, 24, 168, 169)]),
    )
    record = st.fixed_dictionaries(
        {"offset_us": offsets},
        optional={
            "workspace_id": st.sampled_from([tenant_ws, "ws-other"]),
            "user_id": st.sampled_from([me, "u-2"]),
            "app_id": st.sampled_from(["a-1", "a-2"]),
            "endpoint_id": st.sampled_from(["e-1", "e-2"]),
            "action": st.sampled_from(["read", "create", "execute"]),
            "resource_type": st.sampled_from(["app", "endpoint"]),
            "success": st.booleans(),
            "status_code": st.sampled_from([200, 404, 500]),
            "duration_ms": st.floats(0, 5000, allow_nan=False).map(lambda d: round(d, 2)),
            "token_usage": st.one_of(
                st.dictionaries(st.sampled_from(["input", "output"]), st.integers(0, 900)),
                st.builds(lambda n: {"input": n, "total_tokens": n + 1}, st.integers(0, 50)),
            ),
        },
    )
    return st.lists(record, max_size=40)


examples = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@examples
@given(data=st.data(), on_the_hour=st.booleans(), hours=st.sampled_from([1, 2, 24, 167, 168]))
async def test_summaries_equal_a_scan_of_the_records(
    client: httpx.AsyncClient,
    runtime: Runtime,
    clock: FakeClock,
    data: st.DataObject,
    on_the_hour: bool,
    hours: int,
) -> None:
    now = datetime.now(UTC)
    clock.current = now.replace(minute=0, second=0, microsecond=0) if on_the_hour else now
    tenant = await make_tenant(runtime, "Summaries")
    drawn = data.draw(records_strategy(str(tenant.workspace_id), str(tenant.user_id)))
    records = []
    for index, item in enumerate(drawn):
        offset = timedelta(microseconds=item.pop("offset_us"))
        stamp = (clock.current - offset).isoformat(timespec="microseconds")
        records.append({"id": f"r{index}", "timestamp": stamp, **item})
    if records:
        await ingest(client, tenant, records)
    for url, keep in summary_urls(tenant):
        response = await client.get(url, params={"hours": hours}, headers=tenant.headers)
        assert response.status_code == 200, response.text
        assert response.json() == reference(records, keep, clock.current, hours), url


@examples
@given(
    data=st.data(),
    start_h=st.floats(0, 60, allow_nan=False),
    length_h=st.floats(0, 60, allow_nan=False),
    status=st.sampled_from([None, "success", "error"]),
    action=st.sampled_from([None, "read", "execute"]),
)
async def test_feed_totals_equal_a_count_of_the_records(
    client: httpx.AsyncClient,
    runtime: Runtime,
    clock: FakeClock,
    data: st.DataObject,
    start_h: float,
    length_h: float,
    status: str | None,
    action: str | None,
) -> None:
    tenant = await make_tenant(runtime, "Totals")
    drawn = data.draw(records_strategy(str(tenant.workspace_id), str(tenant.user_id)))
    records = []
    for index, item in enumerate(drawn):
        offset = timedelta(microseconds=item.pop("offset_us") % (70 * 3_600_000_000))
        stamp = (clock() - offset).isoformat(timespec="microseconds")
        records.append({"id": f"r{index}", "timestamp": stamp, **item})
    if records:
        await ingest(client, tenant, records)
    start = clock() - timedelta(hours=start_h + length_h)
    end = clock() - timedelta(hours=start_h)
    ws = str(tenant.workspace_id)
    params: dict[str, Any] = {"start_time": start.isoformat(), "end_time": end.isoformat()}

    def in_range(r: Record) -> bool:
        return start <= when(r) < end

    def matches(r: Record) -> bool:
        outcome = status is None or succeeded(r) == (status == "success")
        return outcome and (action is None or r.get("action") == action)

    search = {k: v for k, v in {"status": status, "action": action}.items() if v}
    base = f"/v1/orgs/{tenant.org_id}"
    cases: list[tuple[str, dict[str, Any], Callable[[Record], bool]]] = [
        (f"{base}/activity", {}, lambda r: True),
        (f"{base}/workspaces/{ws}/activity", {}, lambda r: r.get("workspace_id") == ws),
        (f"{base}/users/u-2/activity", {}, lambda r: r.get("user_id") == "u-2"),
        (
            f"{base}/workspaces/{ws}/activity/search",
            search,
            lambda r: r.get("workspace_id") == ws and matches(r),
        ),
    ]
    # Bounded, unbounded and half-open ranges: each reads a different mix of rollup spans.
    ranges: list[tuple[dict[str, Any], Callable[[Record], bool]]] = [
        (params, in_range),
        ({}, lambda r: True),
        ({"start_time": start.isoformat()}, lambda r: start <= when(r)),
        ({"end_time": end.isoformat()}, lambda r: when(r) < end),
    ]
    for url, extra, keep in cases:
        for query, ranged in ranges:
            response = await client.get(url, params={**query, **extra}, headers=tenant.headers)
            assert response.status_code == 200, response.text
            expected = sum(1 for r in records if keep(r) and ranged(r))
            assert response.json()["total"] == expected, (url, query, extra)


async def test_hours_defaults_to_24(
    client: httpx.AsyncClient, tenant: Tenant, clock: FakeClock
) -> None:
    records = [
        {"id": "in", "timestamp": (clock() - timedelta(hours=23)).isoformat(), "action": "read"},
        {"id": "out", "timestamp": (clock() - timedelta(hours=25)).isoformat(), "action": "read"},
    ]
    await ingest(client, tenant, records)
    url = f"/v1/orgs/{tenant.org_id}/activity/summary"
    body = (await client.get(url, headers=tenant.headers)).json()
    assert body["total_requests"] == 1
    day_ago = clock() - timedelta(hours=24)
    on_the_hour = day_ago.replace(minute=0, second=0, microsecond=0)
    assert body["start_time"] == on_the_hour.isoformat(timespec="microseconds")
    week = (await client.get(url, params={"hours": 168}, headers=tenant.headers)).json()
    assert week["total_requests"] == 2
    assert week["by_action"] == {"read": 2}
    assert week["by_resource"] == {}
    assert week["avg_duration_ms"] == 0.0


@pytest.mark.parametrize("start_minute", [10, 20, 40, 50])
@pytest.mark.parametrize("end_minute", [5, 25, 45, 55])
async def test_partial_edge_hours_count_exactly_whichever_way_they_are_read(
    client: httpx.AsyncClient, tenant: Tenant, clock: FakeClock, start_minute: int, end_minute: int
) -> None:
    """An edge hour is read raw or as its rollup minus the raw part outside; both are exact."""
    base = (clock() - timedelta(hours=6)).replace(minute=0, second=0, microsecond=0)
    minutes = [0, 15, 30, 45, 59]
    records = [
        {
            "id": f"h{h}m{m}",
            "timestamp": (base + timedelta(hours=h, minutes=m)).isoformat(),
            "action": "read",
            "duration_ms": 10.0 + m,
        }
        for h in range(4)
        for m in minutes
    ]
    await ingest(client, tenant, records)
    start = base + timedelta(minutes=start_minute)
    end = base + timedelta(hours=3, minutes=end_minute)
    expected = sum(1 for r in records if start <= when(r) < end)  # end_time is exclusive
    response = await client.get(
        f"/v1/orgs/{tenant.org_id}/activity",
        params={"start_time": start.isoformat(), "end_time": end.isoformat(), "limit": 1},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["total"] == expected
