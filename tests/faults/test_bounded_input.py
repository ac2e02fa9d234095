"""Bounded input: a body past its limit is a 413 in its family's shape before it is read in
full, free-form JSON nests at most MAX_DEPTH levels, and a record at the bound reads back
through every feed and search that can return it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from agent_activity.api.free_json import MAX_DEPTH
from agent_activity.config import Settings
from tests.api.agents.helpers import create_agent, create_run
from tests.factories import Tenant

LIMIT = 64 * 1024
INGEST_LIMIT = 256 * 1024
ORIGIN = "http://testserver"  # the dashboard takes a sign-in from its own pages only


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        rate_limit_per_minute=0,
        request_log_enabled=False,
        body_limit_bytes=LIMIT,
        ingest_body_limit_bytes=INGEST_LIMIT,
    )


def nested(depth: int) -> dict[str, Any]:
    """An object whose objects and arrays nest ``depth`` levels, itself the first."""
    value: Any = ["leaf", 1, None]
    for level in range(depth - 1):
        value = {f"k{level}": value, "n": level}
    return value if isinstance(value, dict) else {"k": value}


def test_nested_has_the_depth_it_says() -> None:
    from agent_activity.api.free_json import depth_of

    assert [depth_of(nested(d)) for d in (2, 3, MAX_DEPTH)] == [2, 3, MAX_DEPTH]


async def chunks(total: int, sent: list[int]) -> AsyncIterator[bytes]:
    """A body of ``total`` bytes with no Content-Length, counting what the server asked for."""
    yield b'{"name": "'
    for _ in range(total // 8192):
        sent.append(8192)
        yield b"x" * 8192


def families(tenant: Tenant) -> list[tuple[str, int]]:
    """A POST route of each family that reads a body, with the limit that applies to it."""
    return [
        (f"/v1/orgs/{tenant.org_id}/activity", INGEST_LIMIT),
        ("/api/agents", LIMIT),
        (f"/api/projects/{tenant.project_id}/tickets", LIMIT),
        ("/mcp", LIMIT),
        ("/signin", LIMIT),
    ]


def assert_family_shape(path: str, body: dict[str, Any]) -> None:
    if path.startswith("/v1/"):
        assert body["error"] == "PAYLOAD_TOO_LARGE" and body["status_code"] == 413
    elif path.startswith("/api/agents"):
        assert body["error"]["code"] == "PAYLOAD_TOO_LARGE" and body["status"] == "error"
    else:
        assert body["code"] == "PAYLOAD_TOO_LARGE" and "limit" in body["error"]


async def test_a_declared_oversized_body_is_a_413_in_each_familys_shape(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for path, limit in families(tenant):
        headers = {**tenant.headers, "content-type": "application/json", "origin": ORIGIN}
        response = await client.post(path, content=b"{" + b" " * limit + b"}", headers=headers)
        assert response.status_code == 413, (path, response.text)
        assert_family_shape(path, response.json())


async def test_a_streamed_body_is_refused_once_it_passes_the_limit(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for path, limit in families(tenant):
        sent: list[int] = []
        headers = {**tenant.headers, "content-type": "application/json", "origin": ORIGIN}
        response = await client.post(path, content=chunks(limit * 20, sent), headers=headers)
        assert response.status_code == 413, (path, response.text)
        assert_family_shape(path, response.json())
        # Refused as the limit passed, not after the whole body came in.
        assert sum(sent) < limit * 2


async def test_ingest_takes_a_body_past_the_default_limit(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    records = [
        {"id": f"r-{i}", "metadata": {"note": "y" * 1000}} for i in range((LIMIT // 1000) + 10)
    ]
    response = await client.post(
        f"/v1/orgs/{tenant.org_id}/activity", json={"activities": records}, headers=tenant.headers
    )
    assert response.status_code == 201, response.text


async def test_free_form_json_past_the_depth_is_each_familys_validation_error(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    too_deep = nested(MAX_DEPTH + 1)
    ingest = await client.post(
        f"/v1/orgs/{tenant.org_id}/activity",
        json={"activities": [{"id": "deep", "metadata": too_deep}]},
        headers=tenant.headers,
    )
    assert ingest.status_code == 422, ingest.text
    assert "levels deep" in ingest.text
    agent = await client.post(
        "/api/agents", json={"name": "deep", "config": too_deep}, headers=tenant.headers
    )
    assert agent.status_code == 400, agent.text
    assert agent.json()["error"]["code"] == "BAD_REQUEST"
    assert "levels deep" in agent.text
    # Past what the JSON reader itself takes: still the validation error, never a 500.
    body = '{"activities": [{"id": "x", "metadata": ' + "[" * 100_000 + "]" * 100_000 + "}]}"
    unreadable = await client.post(
        f"/v1/orgs/{tenant.org_id}/activity",
        content=body,
        headers={**tenant.headers, "content-type": "application/json"},
    )
    assert unreadable.status_code == 422, unreadable.text


async def test_a_record_at_the_depth_bound_reads_back_through_every_feed_and_search(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    metadata = nested(MAX_DEPTH)
    ws = str(tenant.workspace_id)
    record = {
        "id": f"deep-{uuid.uuid4().hex}",
        "timestamp": datetime.now(UTC).isoformat(),
        "workspace_id": ws,
        "user_id": str(tenant.user_id),
        "app_id": "app-1",
        "endpoint_id": "ep-1",
        "augmentation_id": "aug-1",
        "resource_type": "app",
        "resource_id": "res-1",
        "action": "create",
        "duration_ms": 5,
        "metadata": metadata,
    }
    org = f"/v1/orgs/{tenant.org_id}"
    wsp = f"{org}/workspaces/{ws}"
    created = await client.post(
        f"{org}/activity", json={"activities": [record]}, headers=tenant.headers
    )
    assert created.status_code == 201, created.text
    feeds = [
        f"{org}/activity",
        f"{org}/users/{tenant.user_id}/activity",
        f"{org}/me/activity",
        f"{wsp}/activity",
        f"{wsp}/apps/app-1/activity",
        f"{wsp}/apps/app-1/endpoints/ep-1/activity",
        f"{wsp}/augmentations/aug-1/activity",
        f"{wsp}/activity/actions/create",
        f"{wsp}/resources/res-1/activity",
        f"{wsp}/activity/search?action=create&resource_type=app&min_duration_ms=1",
    ]
    for url in feeds:
        page = await client.get(url, headers=tenant.headers)
        assert page.status_code == 200, (url, page.text)
        (found,) = [a for a in page.json()["activities"] if a["id"] == record["id"]]
        assert found["metadata"] == metadata, url
    summary = await client.get(f"{org}/activity/summary", headers=tenant.headers)
    assert summary.status_code == 200, summary.text


async def test_agent_config_and_run_metadata_at_the_bound_read_back(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    deep = nested(MAX_DEPTH)
    uid = await create_agent(client, tenant, config=deep)
    run_id = (await create_run(client, tenant, uid, metadata=deep))["id"]
    agent = await client.get(f"/api/agents/{uid}", headers=tenant.headers)
    assert agent.status_code == 200, agent.text
    assert f'"k{MAX_DEPTH - 2}"' in agent.text
    # The run's metadata is stored but not served; its pages still read.
    for url in (f"/api/agents/{uid}/runs/{run_id}", f"/api/agents/{uid}/activities"):
        response = await client.get(url, headers=tenant.headers)
        assert response.status_code == 200, (url, response.text)
