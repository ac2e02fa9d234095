"""While the database is unreachable, requests that need it are 503 with Retry-After in their
family's shape, never a 500 and never a hang."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from agent_activity.app import create_app
from agent_activity.config import Settings
from tests.live_server import free_port


@pytest.fixture
async def unreachable() -> AsyncIterator[httpx.AsyncClient]:
    """An app whose PostgreSQL is a port nobody listens on."""
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/gone"
    app = create_app(Settings(database_url=url, request_log_enabled=False))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t", timeout=20) as http:
            yield http


async def test_requests_that_need_the_database_are_503_with_retry_after(
    unreachable: httpx.AsyncClient,
) -> None:
    headers = {"Authorization": "Bearer aa_" + "x" * 43}
    org = uuid.uuid4()
    answers = {
        path: await unreachable.get(path, headers=headers)
        for path in (
            f"/v1/orgs/{org}/activity",
            f"/api/agents/{org}",
            f"/api/projects/{org}/tickets",
        )
    }
    answers["/mcp"] = await unreachable.post(
        "/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers=headers
    )
    otlp = await unreachable.post(
        "/otlp/v1/logs",
        json={"resourceLogs": []},
        headers={**headers, "content-type": "application/json"},
    )
    for path, response in answers.items():
        assert response.status_code == 503, (path, response.text)
        assert response.headers["retry-after"] == "2"
        assert "SERVICE_UNAVAILABLE" in response.text, path
    # OTLP's own shape (a google.rpc.Status), which the exporters read to retry.
    assert otlp.status_code == 503, otlp.text
    assert int(otlp.headers["retry-after"]) >= 1
    assert otlp.json()["code"] == 14  # UNAVAILABLE
    assert answers[f"/v1/orgs/{org}/activity"].json()["status_code"] == 503
    assert answers[f"/api/agents/{org}"].json()["status"] == "error"
    assert (await unreachable.get("/healthz")).status_code == 200
    assert (await unreachable.get("/readyz")).status_code == 503
