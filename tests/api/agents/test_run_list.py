"""The run list of file 003 against a reference computed plainly here, over generated runs.

Each hypothesis example makes a fresh agent (so examples never see each other's runs), stores
the generated runs directly, then asks the API a few generated questions and compares every
answer (ids in order, and the page totals) with the reference.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_activity.db.models import RUN_STATUSES, TRIGGER_TYPES, AgentRun
from agent_activity.runtime import Runtime
from tests.api.agents.helpers import create_agent
from tests.factories import Tenant

BASE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FINAL = ("completed", "failed", "cancelled", "stopped")
SORT_FIELDS = ("started_on", "completed_on", "created_on", "status")
RANGE_FIELDS = ("started_on", "completed_on", "created_on")
# Few distinct instants, so equal timestamps (ties) and inclusive bounds are common.
instants = st.integers(0, 12).map(lambda minute: BASE + timedelta(minutes=minute))
bounds = st.integers(-1, 13).map(lambda minute: BASE + timedelta(minutes=minute))
Run = dict[str, Any]


@st.composite
def generated_run(draw: st.DrawFn) -> Run:
    status = draw(st.sampled_from(RUN_STATUSES))
    never_started = status == "pending" or (status == "cancelled" and draw(st.booleans()))
    # In lifecycle order, as the service stamps them: created, then started, then completed.
    created_on = draw(instants)
    started_on = None if never_started else max(created_on, draw(instants))
    completed_on = max(started_on or created_on, draw(instants)) if status in FINAL else None
    return {
        "status": status,
        "trigger_type": draw(st.sampled_from(TRIGGER_TYPES)),
        "created_on": created_on,
        "started_on": started_on,
        "completed_on": completed_on,
    }


def as_param(moment: datetime, offset_hours: int) -> str:
    """The same instant written in another timezone: the API must compare instants."""
    local = moment.astimezone(timezone(timedelta(hours=offset_hours)))
    return local.isoformat().replace("+00:00", "Z")


FILTERS = (
    "status",
    *(f"{name}_{end}" for name in RANGE_FIELDS for end in ("from", "to")),
    "has_started",
    "has_completed",
)


@st.composite
def generated_query(draw: st.DrawFn) -> dict[str, str]:
    """A few filters at a time (often none or one), so NULLs and ties reach the pages."""
    params: dict[str, str] = {}
    for name in sorted(draw(st.sets(st.sampled_from(FILTERS), max_size=3))):
        if name == "status":
            chosen = draw(st.lists(st.sampled_from(RUN_STATUSES), min_size=1, max_size=3))
            params[name] = ",".join(chosen)
        elif name.startswith("has_"):
            params[name] = draw(st.sampled_from(["true", "false"]))
        else:
            params[name] = as_param(draw(bounds), draw(st.sampled_from([0, 2, -5])))
    for name in RANGE_FIELDS:
        low, high = _at(params, f"{name}_from"), _at(params, f"{name}_to")
        if low and high and low > high:
            params[f"{name}_from"], params[f"{name}_to"] = (
                params[f"{name}_to"],
                params[f"{name}_from"],
            )
    if draw(st.integers(0, 3)):
        params["sort"] = draw(st.sampled_from(["", "+", "-"])) + draw(st.sampled_from(SORT_FIELDS))
    params["page"] = str(draw(st.integers(1, 3)))
    params["per_page"] = str(draw(st.integers(1, 8)))
    return params


def _at(params: dict[str, str], name: str) -> datetime | None:
    return datetime.fromisoformat(params[name]) if name in params else None


def matches(run: Run, params: dict[str, str]) -> bool:
    if "status" in params and run["status"] not in params["status"].split(","):
        return False
    for name in RANGE_FIELDS:
        low, high = _at(params, f"{name}_from"), _at(params, f"{name}_to")
        value = run[name]
        if (low or high) and value is None:
            return False
        if (low and value < low) or (high and value > high):
            return False
    if "has_started" in params and (run["started_on"] is not None) != (
        params["has_started"] == "true"
    ):
        return False
    return "has_completed" not in params or (run["completed_on"] is not None) == (
        params["has_completed"] == "true"
    )


def ordered(runs: list[Run], params: dict[str, str]) -> list[Run]:
    """Ascending: nulls last, ties by id; descending is exactly the reverse."""
    sort = params.get("sort", "-started_on")
    field = sort.lstrip("+-")

    def key(run: Run) -> tuple[bool, Any, uuid.UUID]:
        value = run[field]
        return (value is None, value if value is not None else BASE, run["id"])

    return sorted(runs, key=key, reverse=sort.startswith("-"))


def expected_page(runs: list[Run], params: dict[str, str]) -> tuple[list[str], dict[str, int]]:
    page, per_page = int(params["page"]), int(params["per_page"])
    start = (page - 1) * per_page
    ids = [str(run["id"]) for run in runs[start : start + per_page]]
    meta = {
        "page": page,
        "per_page": per_page,
        "total_pages": math.ceil(len(runs) / per_page),
        "total_items": len(runs),
    }
    return ids, meta


async def store_runs(
    runtime: Runtime, tenant: Tenant, agent_uid: str, drawn: list[Run]
) -> list[Run]:
    """Stores the runs with fresh random ids (random, so ties break in no particular order)."""
    agent_id = uuid.UUID(agent_uid)
    runs = [{**run, "id": uuid.uuid4()} for run in drawn]
    async with runtime.sessionmaker() as session, session.begin():
        for run in runs:
            session.add(
                AgentRun(
                    org_id=tenant.org_id,
                    agent_id=agent_id,
                    workflow_id="wf",
                    approach="loop",
                    sandbox=False,
                    **run,
                )
            )
    return runs


examples = settings(
    max_examples=20,
    deadline=None,
    # One app and tenant serve every example; each example works on its own new agent.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
run_sets = st.lists(generated_run(), max_size=24)


@examples
@given(runs=run_sets, queries=st.lists(generated_query(), min_size=1, max_size=4))
async def test_filters_sorts_and_pages_match_the_reference(
    client: httpx.AsyncClient,
    runtime: Runtime,
    tenant: Tenant,
    runs: list[Run],
    queries: list[dict[str, str]],
) -> None:
    agent_uid = await create_agent(client, tenant)
    runs = await store_runs(runtime, tenant, agent_uid, runs)
    for params in queries:
        response = await client.get(
            f"/api/agents/{agent_uid}/activities", params=params, headers=tenant.headers
        )
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        ids, meta = expected_page(ordered([r for r in runs if matches(r, params)], params), params)
        assert [item["id"] for item in data["items"]] == ids, params
        assert data["_meta"] == meta, params


@examples
@given(runs=run_sets, params=generated_query())
async def test_grouping_by_trigger_matches_the_reference(
    client: httpx.AsyncClient,
    runtime: Runtime,
    tenant: Tenant,
    runs: list[Run],
    params: dict[str, str],
) -> None:
    agent_uid = await create_agent(client, tenant)
    runs = await store_runs(runtime, tenant, agent_uid, runs)
    response = await client.get(
        f"/api/agents/{agent_uid}/activities",
        params={**params, "group_by": "trigger"},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    kept = ordered([r for r in runs if matches(r, params)], params)
    triggers = sorted({run["trigger_type"] for run in kept})
    assert [group["id"] for group in data["items"]] == triggers
    per_page = int(params["per_page"])
    for group in data["items"]:
        assert group["type"] == "agent-run-groups"
        members = [run for run in kept if run["trigger_type"] == group["id"]]
        ids, meta = expected_page(members, params)
        assert [item["id"] for item in group["items"]] == ids
        assert group["attributes"] == {"trigger_type": group["id"], **meta}
    pages = [math.ceil(sum(r["trigger_type"] == t for r in kept) / per_page) for t in triggers]
    assert data["_meta"] == {
        "page": int(params["page"]),
        "per_page": per_page,
        "total_pages": max(pages, default=0),
        "total_items": len(kept),
        "total_groups": len(triggers),
    }
