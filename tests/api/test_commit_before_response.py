"""A REST write is committed before its response starts: a client that reads its own write as
soon as it is acknowledged finds it."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from agent_activity.db.models import Ticket
from agent_activity.runtime import Runtime
from tests.factories import Tenant


async def test_a_write_is_committed_before_its_response_starts(
    app: FastAPI, runtime: Runtime, tenant: Tenant
) -> None:
    stored_when_answered: list[int] = []

    async def watched(scope: Any, receive: Any, send: Any) -> None:
        async def watching(message: Any) -> None:
            if message["type"] == "http.response.start":
                async with runtime.sessionmaker() as db:  # another connection, as a client's
                    count = await db.scalar(select(func.count()).select_from(Ticket))
                    stored_when_answered.append(int(count or 0))
            await send(message)

        await app(scope, receive, watching)

    transport = httpx.ASGITransport(app=watched)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.post(
            f"/api/projects/{tenant.project_id}/tickets",
            json={"title": "Write me down"},
            headers=tenant.headers,
        )
    assert response.status_code == 201, response.text
    assert stored_when_answered == [1]
