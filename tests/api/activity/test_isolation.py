"""Tenant isolation: another org's ids and tokens see nothing, on every endpoint of file 004."""

from __future__ import annotations

import httpx

from tests.api.activity.helpers import activity, ingest
from tests.conftest import FakeClock
from tests.factories import Tenant


def every_get(tenant: Tenant) -> list[str]:
    org, ws, user = tenant.org_id, tenant.workspace_id, tenant.user_id
    base, wsb = f"/v1/orgs/{org}", f"/v1/orgs/{org}/workspaces/{ws}"
    return [
        f"{base}/activity",
        f"{base}/activity/summary",
        f"{wsb}/activity",
        f"{wsb}/activity/summary",
        f"{base}/users/{user}/activity",
        f"{base}/users/{user}/activity/summary",
        f"{wsb}/apps/app-1/activity",
        f"{wsb}/apps/app-1/endpoints/ep-1/activity",
        f"{wsb}/apps/app-1/endpoints/ep-1/activity/summary",
        f"{wsb}/augmentations/aug-1/activity",
        f"{wsb}/activity/actions/read",
        f"{wsb}/resources/res-1/activity",
        f"{wsb}/activity/search",
        f"{base}/me/activity",
        f"{base}/me/activity/summary",
    ]


async def test_another_orgs_token_gets_404_everywhere(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, clock: FakeClock
) -> None:
    record = activity(
        clock(),
        workspace_id=str(tenant.workspace_id),
        user_id=str(tenant.user_id),
        app_id="app-1",
        endpoint_id="ep-1",
        augmentation_id="aug-1",
        resource_id="res-1",
        action="read",
    )
    await ingest(client, tenant, [record])
    urls = every_get(tenant)
    assert len(urls) == 15
    for url in urls:
        mine = await client.get(url, headers=tenant.headers)
        assert mine.status_code == 200, url
        theirs = await client.get(url, headers=other_tenant.headers)
        assert theirs.status_code == 404, url
        assert theirs.json()["error"] == "RESOURCE_NOT_FOUND"
        assert record["id"] not in theirs.text
    body = {"activities": [activity(clock())]}
    response = await client.post(urls[0], json=body, headers=other_tenant.headers)
    assert response.status_code == 404


async def test_their_own_feeds_never_show_our_records(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, clock: FakeClock
) -> None:
    # Same user, workspace and resource ids as ours, written into our org.
    shared = {"user_id": str(other_tenant.user_id), "workspace_id": str(other_tenant.workspace_id)}
    await ingest(client, tenant, [activity(clock(), **shared, action="read")])
    for url in every_get(other_tenant):
        response = await client.get(url, headers=other_tenant.headers)
        assert response.status_code == 200, url
        body = response.json()
        assert body.get("total", body.get("total_requests")) == 0, url
