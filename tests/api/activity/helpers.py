"""Building and sending activity records in tests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
from tests.factories import Tenant


def activity(when: datetime, **fields: Any) -> dict[str, Any]:
    """One record in file 004's ingest shape, with a fresh client id."""
    return {"id": f"ext-{uuid.uuid4().hex}", "timestamp": when.isoformat(), **fields}


async def ingest(
    client: httpx.AsyncClient, tenant: Tenant, records: list[dict[str, Any]]
) -> dict[str, Any]:
    for start in range(0, len(records), 1000):
        response = await client.post(
            f"/v1/orgs/{tenant.org_id}/activity",
            json={"activities": records[start : start + 1000]},
            headers=tenant.headers,
        )
        assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def walk(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    """Every record of a feed, page by page."""
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(url, params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        seen.extend(page["activities"])
        cursor = page["next_cursor"]
        assert page["has_more"] == (cursor is not None)
        if not page["has_more"]:
            return seen
