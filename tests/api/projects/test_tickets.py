"""Tickets over REST and over MCP: one board, the same rules either way."""

from __future__ import annotations

import uuid

import httpx

from tests.api.projects.helpers import assert_error
from tests.factories import Tenant


def path(tenant: Tenant, suffix: str = "") -> str:
    return f"/api/projects/{tenant.project_id}/tickets{suffix}"


async def test_create_list_get_and_move(client: httpx.AsyncClient, tenant: Tenant) -> None:
    headers = tenant.headers
    first = (await client.post(path(tenant), json={"title": " Login "}, headers=headers)).json()
    assert (first["number"], first["title"], first["column"], first["position"]) == (
        1,
        "Login",
        "backlog",
        0,
    )
    second = await client.post(
        path(tenant),
        json={"title": "Docs", "column": "review", "description": "d"},
        headers=headers,
    )
    assert second.status_code == 201
    assert second.json()["number"] == 2 and second.json()["description"] == "d"
    third = (await client.post(path(tenant), json={"title": "CI"}, headers=headers)).json()
    assert (third["number"], third["position"]) == (3, 1)

    listed = (await client.get(path(tenant), headers=headers)).json()
    assert listed["columns"] == ["backlog", "todo", "in_progress", "review", "done"]
    assert [t["number"] for t in listed["tickets"]] == [1, 3, 2]
    only = (await client.get(path(tenant, "?column=review"), headers=headers)).json()
    assert [t["number"] for t in only["tickets"]] == [2]

    for ref in ("1", "%231", first["id"], first["id"].upper()):
        response = await client.get(path(tenant, f"/{ref}"), headers=headers)
        assert response.status_code == 200, ref
        assert response.json()["id"] == first["id"]

    moved = await client.patch(path(tenant, "/1"), json={"column": "review"}, headers=headers)
    assert moved.status_code == 200
    assert (moved.json()["column"], moved.json()["position"]) == ("review", 1)
    renamed = await client.patch(path(tenant, "/3"), json={"title": "CI!"}, headers=headers)
    assert renamed.json()["title"] == "CI!" and renamed.json()["column"] == "backlog"


async def test_ticket_errors(client: httpx.AsyncClient, tenant: Tenant) -> None:
    headers = tenant.headers
    await client.post(path(tenant), json={"title": "One"}, headers=headers)
    cases: list[tuple[str, str, object, int, str | None]] = [
        ("POST", "", {"title": ""}, 400, "title"),
        ("POST", "", {}, 400, "title"),
        ("POST", "", {"title": "x", "column": "limbo"}, 400, "column"),
        ("POST", "", {"title": "x", "colour": "red"}, 400, "colour"),
        ("GET", "?column=limbo", None, 400, "column"),
        ("GET", "/abc", None, 400, "ticket"),
        ("GET", "/0", None, 400, "ticket"),
        ("GET", "/99", None, 404, None),
        ("GET", f"/{uuid.uuid4()}", None, 404, None),
        ("PATCH", "/1", {"column": "limbo"}, 400, "column"),
        ("PATCH", "/99", {"column": "done"}, 404, None),
    ]
    for method, suffix, body, status, field in cases:
        response = await client.request(method, path(tenant, suffix), json=body, headers=headers)
        assert response.status_code == status, (method, suffix, response.text)
        payload = response.json()
        assert_error(payload, "BAD_REQUEST" if status == 400 else "NOT_FOUND")
        if field is not None:
            assert field in payload["fieldErrors"], payload
