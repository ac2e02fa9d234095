"""/ui/api/activity/series: the summary panel's time series, read from the hourly rollups."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import ActivityRollup, App
from agent_activity.domain.activity.store import write_activity_records
from agent_activity.domain.tenancy import orgs as tenancy
from agent_activity.domain.tenancy.principal import READ
from agent_activity.runtime import Runtime
from tests.conftest import FakeClock
from tests.factories import Tenant, make_token
from tests.web.helpers import sign_in

NOW = datetime(2026, 11, 23, 12, 30, tzinfo=UTC)
HOUR = NOW.replace(minute=0)


def rollup(
    org_id: uuid.UUID,
    scope_type: str,
    scope_id: str,
    hours_ago: int,
    action: str,
    resource_type: str,
    requests: int,
    successes: int,
    tokens: int = 0,
    span: str = "hour",
) -> ActivityRollup:
    return ActivityRollup(
        org_id=org_id,
        scope_type=scope_type,
        scope_id=scope_id,
        span=span,
        bucket_start=HOUR - timedelta(hours=hours_ago),
        action=action,
        resource_type=resource_type,
        requests=requests,
        successes=successes,
        duration_sum_ms=0.0,
        duration_count=requests,
        tokens=tokens,
    )


@pytest.fixture
async def rolled_up(
    db: AsyncSession, tenant: Tenant, other_tenant: Tenant, clock: FakeClock
) -> dict[str, str]:
    clock.current = NOW
    app = App(org_id=tenant.org_id, workspace_id=tenant.workspace_id, name="Shop")
    db.add(app)
    await db.flush()
    org, ws, user = str(tenant.org_id), str(tenant.workspace_id), str(tenant.user_id)
    db.add_all(
        [
            rollup(tenant.org_id, "org", org, 0, "read", "ticket", 5, 4, 100),
            rollup(tenant.org_id, "org", org, 3, "create", "project", 2, 2),
            rollup(tenant.org_id, "org", org, 3, "", "", 1, 0),
            rollup(tenant.org_id, "org", org, 30, "read", "ticket", 7, 7, 50),
            rollup(tenant.org_id, "org", org, 170, "read", "ticket", 1000, 0),  # over a week
            rollup(tenant.org_id, "workspace", ws, 1, "update", "ticket", 3, 1, 9),
            rollup(tenant.org_id, "user", user, 2, "read", "agent_run", 4, 4),
            rollup(tenant.org_id, "app", str(app.id), 5, "execute", "endpoint", 6, 5, 60),
            # The longer spans repeat the hours' counts: a chart of hours never reads them.
            rollup(tenant.org_id, "org", org, 0, "read", "ticket", 900, 0, span="day"),
            rollup(tenant.org_id, "org", org, 1, "read", "ticket", 900, 0, span="all"),
            # Another org's rows under the same scope ids must never be counted.
            rollup(other_tenant.org_id, "org", org, 0, "read", "ticket", 500, 500),
            rollup(other_tenant.org_id, "workspace", ws, 1, "read", "ticket", 500, 500),
        ]
    )
    await db.commit()
    return {"org": org, "workspace": ws, "user": user, "app": str(app.id)}


async def series(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/ui/api/activity/series", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_day_in_hourly_buckets(
    client: httpx.AsyncClient, tenant: Tenant, rolled_up: dict[str, str]
) -> None:
    await sign_in(client, tenant.token)
    body = await series(client, level="org", id=rolled_up["org"], hours=24)
    buckets = body["buckets"]
    assert body["bucket_hours"] == 1 and len(buckets) == 24
    assert buckets[0]["start"] == (HOUR - timedelta(hours=23)).isoformat()
    assert buckets[-1] == {
        "start": HOUR.isoformat(),
        "requests": 5,
        "successes": 4,
        "failures": 1,
        "tokens": 100,
    }
    assert buckets[-4]["requests"] == 3 and buckets[-4]["failures"] == 1
    assert sum(b["requests"] for b in buckets) == body["total_requests"] == 8
    assert body["successful_requests"] == 6 and body["total_tokens"] == 100
    assert body["by_action"] == {"read": 5, "create": 2, "(none)": 1}
    assert body["by_resource"] == {"ticket": 5, "project": 2, "(none)": 1}


async def test_a_week_in_six_hour_buckets(
    client: httpx.AsyncClient, tenant: Tenant, rolled_up: dict[str, str]
) -> None:
    await sign_in(client, tenant.token)
    body = await series(client, level="org", id=rolled_up["org"], hours=168)
    buckets = body["buckets"]
    assert body["bucket_hours"] == 6 and len(buckets) == 28
    assert buckets[0]["start"] == (HOUR - timedelta(hours=167)).isoformat()
    assert buckets[-1]["start"] == (HOUR - timedelta(hours=5)).isoformat()
    assert buckets[-1]["requests"] == 8  # the last six hours, current one included
    assert body["total_requests"] == 15  # the row 170 hours ago is outside the week
    assert body["total_tokens"] == 150


@pytest.mark.parametrize(
    ("level", "expected"), [("workspace", 3), ("user", 4), ("app", 6), ("org", 8)]
)
async def test_every_level_reads_its_own_scope(
    client: httpx.AsyncClient,
    tenant: Tenant,
    rolled_up: dict[str, str],
    level: str,
    expected: int,
) -> None:
    await sign_in(client, tenant.token)
    body = await series(client, level=level, id=rolled_up[level], hours=24)
    assert body["total_requests"] == expected


async def test_bad_parameters_are_clear_400s(
    client: httpx.AsyncClient, tenant: Tenant, rolled_up: dict[str, str]
) -> None:
    await sign_in(client, tenant.token)
    cases: list[dict[str, Any]] = [
        {"level": "galaxy", "id": rolled_up["org"]},
        {"level": "org", "id": rolled_up["org"], "hours": 0},
        {"level": "org", "id": rolled_up["org"], "hours": 169},
        {"level": "org", "id": rolled_up["org"], "hours": "soon"},
        {"level": "org"},
    ]
    for params in cases:
        response = await client.get("/ui/api/activity/series", params=params)
        assert response.status_code == 400, params
        assert response.json()["code"] == "VALIDATION_ERROR"


async def test_another_orgs_scopes_are_not_found(
    client: httpx.AsyncClient, other_tenant: Tenant, rolled_up: dict[str, str]
) -> None:
    await sign_in(client, other_tenant.token)
    for level in ("org", "workspace", "app"):
        response = await client.get(
            "/ui/api/activity/series", params={"level": level, "id": rolled_up[level]}
        )
        assert response.status_code == 404, level
    response = await client.get(
        "/ui/api/activity/series", params={"level": "workspace", "id": "not-a-uuid"}
    )
    assert response.status_code == 404


async def test_a_project_viewer_sees_only_their_own_activity(
    client: httpx.AsyncClient,
    db: AsyncSession,
    runtime: Runtime,
    tenant: Tenant,
    rolled_up: dict[str, str],
) -> None:
    viewer = await tenancy.get_or_create_user(db, "v@acme.test", "Viewer")
    await tenancy.grant_role(
        db,
        viewer,
        org_id=tenant.org_id,
        scope_type="project",
        scope_id=tenant.project_id,
        role="viewer",
    )
    await db.commit()
    await sign_in(client, await make_token(runtime, tenant, [READ], principal_id=viewer.id))
    own = await series(client, level="user", id=str(viewer.id))
    assert own["total_requests"] == 0
    for level in ("org", "workspace", "user", "app"):
        response = await client.get(
            "/ui/api/activity/series", params={"level": level, "id": rolled_up[level]}
        )
        assert response.status_code == 403, level


async def test_the_series_agrees_with_the_spec_summary(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    """Records written the real way (rollups and all) add up to file 004's own summary."""
    now = runtime.now()
    rows = [
        {
            "org_id": tenant.org_id,
            "timestamp": now - timedelta(minutes=7 * i),
            "workspace_id": str(tenant.workspace_id),
            "action": ("read", "create", "delete")[i % 3],
            "resource_type": ("ticket", "project")[i % 2],
            "success": i % 4 != 0,
            "token_usage": {"input": i},
        }
        for i in range(15)
    ]
    async with runtime.sessionmaker() as session, session.begin():
        await write_activity_records(session, rows)
    await sign_in(client, tenant.token)
    ws = str(tenant.workspace_id)
    mine = await series(client, level="workspace", id=ws, hours=24)
    spec = await client.get(
        f"/ui/api/v1/orgs/{tenant.org_id}/workspaces/{ws}/activity/summary", params={"hours": 24}
    )
    assert spec.status_code == 200, spec.text
    summary = spec.json()
    assert mine["total_requests"] == summary["total_requests"] == 15
    assert mine["successful_requests"] == summary["successful_requests"]
    assert mine["total_tokens"] == summary["total_tokens_used"] == sum(range(15))
    assert mine["by_action"] == summary["by_action"]
    assert mine["by_resource"] == summary["by_resource"]
