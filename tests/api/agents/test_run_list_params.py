"""The run list's envelope, attributes, sparse fields, permission gate, bounds and bad input."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from agent_activity.domain.tenancy.principal import READ, TOKEN_USAGE
from agent_activity.runtime import Runtime
from tests.api.agents.helpers import create_agent, create_run, patch_run
from tests.conftest import FakeClock
from tests.factories import Tenant, make_token

SPEC_ATTRIBUTES = {
    "agent_uid",
    "agent_version_uid",
    "scratchpad_uid",
    "workflow_id",
    "approach",
    "status",
    "sandbox",
    "trigger_type",
    "started_on",
    "completed_on",
    "created_on",
}


def z(clock: FakeClock) -> str:
    return clock().isoformat().replace("+00:00", "Z")


async def listing(
    client: httpx.AsyncClient, tenant: Tenant, agent_uid: str, **params: Any
) -> httpx.Response:
    return await client.get(
        f"/api/agents/{agent_uid}/activities", params=params, headers=tenant.headers
    )


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "error" and body["status_code"] == status
    assert body["error"]["code"] == code and body["error"]["message"]
    error: dict[str, Any] = body["error"]
    return error


async def test_a_run_is_listed_with_every_attribute_of_file_003(
    client: httpx.AsyncClient, tenant: Tenant, clock: FakeClock
) -> None:
    agent_uid = await create_agent(client, tenant, approach="loop")
    detail = (await client.get(f"/api/agents/{agent_uid}", headers=tenant.headers)).json()
    version_uid = detail["data"]["attributes"]["versions"][0]["agent_version_uid"]
    scratchpad = "5d6f0a4e-8c1e-4d2a-9b7a-0c2a3e4f5a6b"
    created_on = z(clock)
    run = await create_run(
        client,
        tenant,
        agent_uid,
        trigger_type="email_received",
        scratchpad_uid=scratchpad,
        sandbox=True,
    )
    clock.advance(5)
    await patch_run(client, tenant, agent_uid, run["id"], status="running")
    started_on = z(clock)
    clock.advance(75.5)
    await patch_run(client, tenant, agent_uid, run["id"], status="completed")
    response = await listing(client, tenant, agent_uid)
    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "status_code": 200,
        "data": {
            "items": [
                {
                    "id": run["id"],
                    "type": "agent-runs",
                    "attributes": {
                        "agent_uid": agent_uid,
                        "agent_version_uid": version_uid,
                        "scratchpad_uid": scratchpad,
                        "workflow_id": f"agent-loop-{agent_uid.replace('-', '')[:8]}",
                        "approach": "loop",
                        "status": "completed",
                        "sandbox": True,
                        "trigger_type": "email_received",
                        "started_on": started_on,
                        "completed_on": z(clock),
                        "created_on": created_on,
                    },
                }
            ],
            "_meta": {"page": 1, "per_page": 10, "total_pages": 1, "total_items": 1},
        },
    }


async def test_an_agent_without_runs_has_no_pages(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    agent_uid = await create_agent(client, tenant)
    data = (await listing(client, tenant, agent_uid)).json()["data"]
    assert data == {
        "items": [],
        "_meta": {"page": 1, "per_page": 10, "total_pages": 0, "total_items": 0},
    }


async def test_paging_totals_and_a_page_past_the_end(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    agent_uid = await create_agent(client, tenant)
    for _ in range(7):
        await create_run(client, tenant, agent_uid)
    seen: list[str] = []
    for page in (1, 2, 3):
        data = (await listing(client, tenant, agent_uid, page=page, per_page=3)).json()["data"]
        assert data["_meta"] == {"page": page, "per_page": 3, "total_pages": 3, "total_items": 7}
        seen += [item["id"] for item in data["items"]]
    assert len(seen) == len(set(seen)) == 7
    past = (await listing(client, tenant, agent_uid, page=4, per_page=3)).json()["data"]
    assert past["items"] == [] and past["_meta"]["total_items"] == 7
    largest = (await listing(client, tenant, agent_uid, per_page=100)).json()["data"]
    assert len(largest["items"]) == 7


@pytest.mark.parametrize(
    "params",
    [
        {"created_on_to": "0001-01-01T06:27:09Z"},
        {"created_on_from": "9999-12-31T12:00:00Z"},
        {"started_on_from": "0001-01-01T00:00:01Z", "started_on_to": "0001-01-01T00:00:02Z"},
    ],
)
async def test_bounds_inside_the_calendars_first_or_last_day_match_nothing(
    client: httpx.AsyncClient, tenant: Tenant, params: dict[str, str]
) -> None:
    # Once an OverflowError (a 500): the whole days around such a bound are past date's range.
    agent_uid = await create_agent(client, tenant)
    await create_run(client, tenant, agent_uid)
    response = await listing(client, tenant, agent_uid, **params)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["_meta"]["total_items"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "0"}, "page"),
        ({"page": "100001"}, "page"),
        ({"page": "9" * 30}, "page"),
        ({"page": "two"}, "page"),
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "101"}, "per_page"),
        ({"started_on_from": "2026-03-01T00:00:00"}, "started_on_from"),
        ({"completed_on_to": "2026-03-01"}, "completed_on_to"),
        ({"created_on_from": "yesterday"}, "created_on_from"),
        ({"created_on_from": "1700000000"}, "created_on_from"),
        ({"started_on_to": "2026-03-01T00:00:00 02:00"}, "started_on_to"),
        # No UTC time in Python's datetime (once an OverflowError, a 500).
        ({"created_on_from": "0001-01-01T00:00:00+01:00"}, "created_on_from"),
        ({"created_on_to": "9999-12-31T23:59:59-01:00"}, "created_on_to"),
        ({"status": "done"}, "status"),
        ({"status": ","}, "status"),
        ({"sort": "name"}, "sort"),
        ({"sort": "*started_on"}, "sort"),
        ({"group_by": "status"}, "group_by"),
        ({"has_started": "maybe"}, "has_started"),
        ({"fields[agent-runs]": "status,secret"}, "fields[agent-runs]"),
        ({"started": "2026-03-01T00:00:00Z"}, "query"),
    ],
)
async def test_bad_query_values_are_a_clear_400(
    client: httpx.AsyncClient, tenant: Tenant, params: dict[str, str], field: str
) -> None:
    agent_uid = await create_agent(client, tenant)
    error = assert_error(await listing(client, tenant, agent_uid, **params), 400, "BAD_REQUEST")
    assert [issue["field"] for issue in error["details"]["issues"]] == [field]
    assert field in error["message"]


async def test_the_messages_say_what_to_send(client: httpx.AsyncClient, tenant: Tenant) -> None:
    agent_uid = await create_agent(client, tenant)
    naive = await listing(client, tenant, agent_uid, started_on_from="2026-03-01T00:00:00")
    assert "must include a timezone" in naive.json()["error"]["message"]
    unencoded = await listing(client, tenant, agent_uid, started_on_to="2026-03-01T00:00 02:00")
    assert "%2B" in unencoded.json()["error"]["message"]
    status = await listing(client, tenant, agent_uid, status="completed,done")
    assert "unknown status done" in status.json()["error"]["message"]
    order = await listing(
        client,
        tenant,
        agent_uid,
        started_on_from="2026-03-02T00:00:00Z",
        started_on_to="2026-03-01T00:00:00Z",
    )
    assert "started_on_from is later than started_on_to" in order.json()["error"]["message"]
    unknown = await listing(client, tenant, agent_uid, limit="5")
    assert "unknown query parameter limit" in unknown.json()["error"]["message"]


async def test_a_malformed_agent_uid_is_400_and_an_unknown_one_404(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    assert_error(await listing(client, tenant, "not-a-uuid"), 400, "BAD_REQUEST")
    error = assert_error(
        await listing(client, tenant, "01a2084e-9722-7662-90cd-39f623e2ecd6"), 404, "NOT_FOUND"
    )
    assert error["details"]["resource_type"] == "agent"


async def test_sparse_fields_limit_the_attributes(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    agent_uid = await create_agent(client, tenant)
    run = await create_run(client, tenant, agent_uid)
    default = (await listing(client, tenant, agent_uid)).json()["data"]["items"][0]
    assert set(default["attributes"]) == SPEC_ATTRIBUTES
    some = await listing(client, tenant, agent_uid, **{"fields[agent-runs]": "status, created_on"})
    item = some.json()["data"]["items"][0]
    assert item["id"] == run["id"] and item["type"] == "agent-runs"
    assert item["attributes"] == {
        "status": "pending",
        "created_on": run["attributes"]["created_on"],
    }
    none = await listing(client, tenant, agent_uid, **{"fields[agent-runs]": ""})
    assert none.json()["data"]["items"][0]["attributes"] == {}
    grouped = await listing(
        client, tenant, agent_uid, group_by="trigger", **{"fields[agent-runs]": "status"}
    )
    assert grouped.json()["data"]["items"][0]["items"][0]["attributes"] == {"status": "pending"}


async def test_token_usage_needs_asking_and_the_permission(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    agent_uid = await create_agent(client, tenant)
    run = await create_run(client, tenant, agent_uid)
    await patch_run(client, tenant, agent_uid, run["id"], token_usage={"input": 7, "output": 3})
    await patch_run(client, tenant, agent_uid, run["id"], token_usage={"input": 1})
    fields = {"fields[agent-runs]": "status,token_usage"}
    allowed = (await listing(client, tenant, agent_uid, **fields)).json()["data"]["items"][0]
    assert allowed["attributes"]["token_usage"] == {"input": 8, "output": 3, "total": 11}

    reader = Tenant(**{**tenant.__dict__, "token": await make_token(runtime, tenant, [READ])})
    plain = (await listing(client, reader, agent_uid)).json()["data"]["items"][0]
    assert "token_usage" not in plain["attributes"]
    error = assert_error(await listing(client, reader, agent_uid, **fields), 403, "FORBIDDEN")
    assert error["details"] == {"required_permission": TOKEN_USAGE}
    grouped = await listing(client, reader, agent_uid, group_by="trigger", **fields)
    assert_error(grouped, 403, "FORBIDDEN")

    counter = Tenant(
        **{**tenant.__dict__, "token": await make_token(runtime, tenant, [READ, TOKEN_USAGE])}
    )
    counted = (await listing(client, counter, agent_uid, **fields)).json()["data"]["items"][0]
    assert counted["attributes"]["token_usage"]["total"] == 11


async def test_another_org_never_sees_an_agent_or_its_runs(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    agent_uid = await create_agent(client, tenant)
    run = await create_run(client, tenant, agent_uid)
    fields = {"fields[agent-runs]": "token_usage"}
    for params in ({}, {"group_by": "trigger"}, fields):
        response = await listing(client, other_tenant, agent_uid, **params)
        assert_error(response, 404, "NOT_FOUND")
        assert run["id"] not in response.text
    assert_error(
        await client.get(f"/api/agents/{agent_uid}", headers=other_tenant.headers),
        404,
        "NOT_FOUND",
    )
    own = await create_agent(client, other_tenant)
    assert (await listing(client, other_tenant, own)).json()["data"]["items"] == []


async def test_listing_needs_the_read_permission(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    agent_uid = await create_agent(client, tenant)
    writer = Tenant(**{**tenant.__dict__, "token": await make_token(runtime, tenant, ["ingest"])})
    error = assert_error(await listing(client, writer, agent_uid), 403, "FORBIDDEN")
    assert error["details"] == {"required_permission": READ}
