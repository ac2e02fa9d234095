"""Keyset pagination: exact has_more, ties, tamper-evident cursors bound to their filters, and no
record skipped or repeated while others are being written."""

from __future__ import annotations

import asyncio
import base64
import random
from datetime import timedelta
from typing import Any

import httpx

from tests.api.activity.helpers import activity, ingest, newest_first, walk
from tests.conftest import FakeClock
from tests.factories import Tenant


def feed(tenant: Tenant) -> str:
    return f"/v1/orgs/{tenant.org_id}/activity"


async def test_has_more_is_exact(
    client: httpx.AsyncClient, tenant: Tenant, clock: FakeClock
) -> None:
    records = [activity(clock() - timedelta(seconds=i)) for i in range(10)]
    await ingest(client, tenant, records)
    for limit, pages in ((10, 1), (5, 2), (3, 4), (1, 10)):
        cursor, count = None, 0
        while True:
            params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            page = (await client.get(feed(tenant), params=params, headers=tenant.headers)).json()
            count += 1
            assert page["total"] == 10
            cursor = page["next_cursor"]
            if not page["has_more"]:
                assert cursor is None
                break
            assert cursor
        assert count == pages, limit


async def test_records_sharing_a_timestamp_are_each_seen_once(
    client: httpx.AsyncClient, tenant: Tenant, clock: FakeClock
) -> None:
    moment = clock() - timedelta(minutes=1)
    records = [activity(moment) for _ in range(23)] + [activity(moment - timedelta(seconds=1))]
    await ingest(client, tenant, records)
    seen = [a["id"] for a in await walk(client, feed(tenant), tenant.headers, limit=4)]
    assert len(seen) == len(set(seen)) == 24
    assert set(seen) == {r["id"] for r in records}
    assert seen[-1] == records[-1]["id"]


async def test_a_cursor_is_bound_to_its_filters_but_not_to_limit(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, clock: FakeClock
) -> None:
    ws = str(tenant.workspace_id)
    records = [activity(clock() - timedelta(seconds=i), workspace_id=ws) for i in range(6)]
    await ingest(client, tenant, records)
    await ingest(client, other_tenant, [activity(clock()) for _ in range(3)])
    start = (clock() - timedelta(hours=1)).isoformat()
    params: dict[str, Any] = {"limit": 2, "start_time": start}
    first = (await client.get(feed(tenant), params=params, headers=tenant.headers)).json()
    cursor = first["next_cursor"]
    again = {**params, "cursor": cursor, "limit": 3}
    second = await client.get(feed(tenant), params=again, headers=tenant.headers)
    assert [a["id"] for a in second.json()["activities"]] == newest_first(records)[2:5]
    elsewhere = [
        (feed(tenant), {"cursor": cursor}),  # start_time dropped
        (feed(tenant), {"cursor": cursor, "start_time": start, "end_time": clock().isoformat()}),
        (f"/v1/orgs/{tenant.org_id}/workspaces/{ws}/activity", {**params, "cursor": cursor}),
        (f"/v1/orgs/{tenant.org_id}/me/activity", {**params, "cursor": cursor}),
    ]
    for url, query in elsewhere:
        response = await client.get(url, params=query, headers=tenant.headers)
        assert response.status_code == 422, url
        assert response.json()["detail"][0]["loc"] == ["query", "cursor"]
        assert "other filters" in response.json()["detail"][0]["msg"]
    theirs = await client.get(feed(other_tenant), params=again, headers=other_tenant.headers)
    assert theirs.status_code == 422


async def test_an_altered_cursor_is_rejected(
    client: httpx.AsyncClient, tenant: Tenant, clock: FakeClock
) -> None:
    await ingest(client, tenant, [activity(clock() - timedelta(seconds=i)) for i in range(3)])
    page = (await client.get(feed(tenant), params={"limit": 1}, headers=tenant.headers)).json()
    cursor: str = page["next_cursor"]
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    for index in (1, 5, 12, len(raw) - 1):  # version, timestamp, id, signature
        altered = bytearray(raw)
        altered[index] ^= 0x01
        forged = base64.urlsafe_b64encode(bytes(altered)).decode().rstrip("=")
        response = await client.get(feed(tenant), params={"cursor": forged}, headers=tenant.headers)
        assert response.status_code == 422, index
        assert "altered" in response.json()["detail"][0]["msg"]
    for junk in (cursor[:-2], cursor + "AA", "x" * 64, "%%%"):
        response = await client.get(feed(tenant), params={"cursor": junk}, headers=tenant.headers)
        assert response.status_code == 422, junk


async def test_paging_while_records_arrive_neither_skips_nor_repeats(
    client: httpx.AsyncClient, tenant: Tenant, clock: FakeClock
) -> None:
    rng = random.Random(5)
    base = clock() - timedelta(hours=2)
    original = [activity(base + timedelta(seconds=rng.uniform(0, 3600))) for _ in range(120)]
    await ingest(client, tenant, original)
    arrived: list[dict[str, Any]] = []
    done = asyncio.Event()

    async def writer() -> None:
        # New records (newer than any page) and late ones (timestamps inside the walked range).
        for _ in range(15):
            batch = [activity(base + timedelta(seconds=rng.uniform(0, 7200))) for _ in range(8)]
            arrived.extend(batch)
            await ingest(client, tenant, batch)
            await asyncio.sleep(0)
        done.set()

    async def reader() -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 7, **({"cursor": cursor} if cursor else {})}
            page = (await client.get(feed(tenant), params=params, headers=tenant.headers)).json()
            seen.extend(page["activities"])
            cursor = page["next_cursor"]
            await asyncio.sleep(0)
            if not page["has_more"]:
                return seen

    seen, _ = await asyncio.gather(reader(), writer())
    ids = [a["id"] for a in seen]
    assert len(ids) == len(set(ids)), "a record was repeated"
    assert {r["id"] for r in original} <= set(ids), "a record that existed was skipped"
    stamps = [a["timestamp"] for a in seen]
    assert stamps == sorted(stamps, reverse=True), "pages are not newest first"
    # Late arrivals appear only if they sort after the position the walk had reached.
    assert set(ids) - {r["id"] for r in original} <= {r["id"] for r in arrived}
