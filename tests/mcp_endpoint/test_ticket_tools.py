"""The MCP ticket tools work the same board the REST API shows."""

from __future__ import annotations

import httpx

from tests.factories import Tenant
from tests.mcp_endpoint.conftest import mcp_client


async def test_mcp_ticket_tools_work_the_same_board(
    client: httpx.AsyncClient, mcp_url: str, tenant: Tenant
) -> None:
    async with mcp_client(mcp_url, tenant.token, tenant.project_id) as agent:
        created = await agent.call_tool("create_ticket", {"title": "From agent", "column": "todo"})
        assert created.structured_content is not None
        ticket = created.structured_content
        assert (ticket["number"], ticket["column"]) == (1, "todo")
        moved = await agent.call_tool("move_ticket", {"ticket": ticket["id"], "column": "done"})
        assert moved.structured_content is not None
        assert moved.structured_content["column"] == "done"
        got = await agent.call_tool("get_ticket", {"ticket": 1})
        assert got.structured_content == moved.structured_content
        listed = await agent.call_tool("list_tickets", {"column": "done"})
        assert listed.structured_content is not None
        assert [t["id"] for t in listed.structured_content["tickets"]] == [ticket["id"]]
    rest = (
        await client.get(f"/api/projects/{tenant.project_id}/tickets/1", headers=tenant.headers)
    ).json()
    assert rest == moved.structured_content
