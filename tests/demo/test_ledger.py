"""After `demo`, the ticket ledger has something true to show: every ticket's usage equals a
plain recount of its intervals and attributed records, and a ticket's timeline tells its story
with intervals, checkpoints, tool calls and model requests. Both engines."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity import demo
from agent_activity.db.models import ActivityRecord, Checkpoint, Org, Project, User, WorkInterval
from agent_activity.demo import telemetry
from agent_activity.demo.world import PROJECTS
from agent_activity.domain.tickets.prices import priced_cost
from tests.conftest import FakeClock
from tests.factories import Tenant

RECORDS = 3000
KINDS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens")


async def fill(db: AsyncSession, tenant: Tenant, now: datetime) -> list[Project]:
    org = await db.get(Org, tenant.org_id)
    admin = await db.get(User, tenant.user_id)
    assert org is not None and admin is not None
    await demo.fill(db, org, admin, now, runs=0, records=RECORDS)
    await db.commit()
    projects = await db.scalars(
        select(Project).where(Project.org_id == tenant.org_id, Project.name.in_(PROJECTS))
    )
    return list(projects)


def recount(
    intervals: list[WorkInterval], records: list[ActivityRecord], now: datetime
) -> dict[str, Any]:
    """A ticket's totals, straight from its rows."""
    micros = sum(
        round(((i.ended_at or now) - i.started_at).total_seconds() * 1_000_000) for i in intervals
    )
    tools = [r for r in records if r.action == "tool_call"]
    tokens = {kind: sum((r.token_usage or {}).get(kind, 0) for r in records) for kind in KINDS}
    cost = 0.0
    for r in records:
        metadata = r.record_metadata or {}
        usage = r.token_usage or {}
        reported = metadata.get("cost_usd")
        cost += (
            reported
            if reported is not None
            else priced_cost(metadata.get("model"), *(usage.get(kind, 0) for kind in KINDS))
        )
    return {
        "agent_time_s": round(micros / 1_000_000, 3),
        "intervals": len(intervals),
        "tool_calls": len(tools),
        "failed_tool_calls": sum(1 for r in tools if not r.success),
        "model_requests": sum(1 for r in records if r.action == "model_request"),
        "tokens": {
            "input": tokens["input_tokens"],
            "output": tokens["output_tokens"],
            "cache_read": tokens["cache_read_tokens"],
            "cache_creation": tokens["cache_creation_tokens"],
            "total": sum(tokens.values()),
        },
        "cost_usd": round(cost, 6),
    }


def totals(body: dict[str, Any]) -> dict[str, Any]:
    keys = ("agent_time_s", "intervals", "tool_calls", "failed_tool_calls", "model_requests")
    return {
        **{key: body[key] for key in keys},
        "tokens": body["tokens"],
        "cost_usd": body["cost_usd"],
    }


async def test_every_worked_tickets_usage_equals_a_recount_of_its_rows(
    db: AsyncSession, client: httpx.AsyncClient, tenant: Tenant, clock: FakeClock
) -> None:
    now = clock.current
    projects = await fill(db, tenant, now)
    assert len(projects) == len(PROJECTS)
    records = list(
        await db.scalars(select(ActivityRecord).where(ActivityRecord.org_id == tenant.org_id))
    )
    assert len(records) == RECORDS
    telemetry = [r for r in records if r.agent_session_id is not None]
    assert len(telemetry) == round(RECORDS * demo.TELEMETRY_SHARE)
    assert any(r.ticket_id is None for r in telemetry)  # some made outside any interval
    intervals = list(await db.scalars(select(WorkInterval)))
    assert any(i.ended_at is None for i in intervals)  # agents still at work
    worked = 0
    for project in projects:
        response = await client.get(
            f"/api/projects/{project.id}/usage", params={"sort": "number"}, headers=tenant.headers
        )
        assert response.status_code == 200, response.text
        for ticket in response.json()["tickets"]:
            ticket_id = uuid.UUID(ticket["ticket_id"])
            mine = [i for i in intervals if i.ticket_id == ticket_id]
            expected = recount(mine, [r for r in telemetry if r.ticket_id == str(ticket_id)], now)
            got = totals(ticket)
            assert abs(got.pop("cost_usd") - expected.pop("cost_usd")) < 1e-5, ticket
            assert got == expected, ticket
            if not mine:
                continue
            worked += 1
            one = await client.get(
                f"/api/projects/{project.id}/tickets/{ticket['ticket_number']}/usage",
                headers=tenant.headers,
            )
            assert one.status_code == 200, one.text
            assert totals(one.json()) == totals(ticket)
            agents = {str(i.session_id) for i in mine}
            assert {part["key"] for part in one.json()["by_agent"]} == agents
    assert worked >= len(projects)
    everything = [totals(t) for p in projects for t in (await board(client, tenant, p))]
    assert sum(t["tool_calls"] for t in everything) > 0
    assert sum(t["failed_tool_calls"] for t in everything) > 0
    assert sum(t["cost_usd"] for t in everything) > 0


async def board(client: httpx.AsyncClient, tenant: Tenant, project: Project) -> list[Any]:
    response = await client.get(f"/api/projects/{project.id}/usage", headers=tenant.headers)
    tickets: list[Any] = response.json()["tickets"]
    return tickets


async def test_the_busiest_tickets_timeline_shows_its_work_in_order(
    db: AsyncSession, client: httpx.AsyncClient, tenant: Tenant, clock: FakeClock
) -> None:
    projects = await fill(db, tenant, clock.current)
    tickets = [(p, t) for p in projects for t in await board(client, tenant, p)]
    project, busiest = max(
        tickets, key=lambda pair: pair[1]["tool_calls"] + pair[1]["model_requests"]
    )
    ticket_id = busiest["ticket_id"]
    path = f"/api/projects/{project.id}/tickets/{busiest['ticket_number']}/timeline"
    entries: list[dict[str, Any]] = []
    cursor = None
    for _ in range(50):
        params: dict[str, Any] = {"limit": 40, **({"cursor": cursor} if cursor else {})}
        page = await client.get(path, params=params, headers=tenant.headers)
        assert page.status_code == 200, page.text
        body = page.json()
        entries += body["data"]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    kinds = [e["kind"] for e in entries]
    intervals = await db.scalars(
        select(WorkInterval).where(WorkInterval.ticket_id == uuid.UUID(ticket_id))
    )
    checkpoints = await db.scalars(
        select(Checkpoint).where(Checkpoint.ticket_id == uuid.UUID(ticket_id))
    )
    assert kinds.count("interval") == len(list(intervals)) > 0
    assert kinds.count("checkpoint") == len(list(checkpoints)) > 0
    actions = [e["record"]["action"] for e in entries if e["kind"] == "activity"]
    assert len(actions) == busiest["tool_calls"] + busiest["model_requests"]
    assert {"tool_call", "model_request"} <= set(actions)
    moments = [datetime.fromisoformat(e["at"]) for e in entries]
    assert moments == sorted(moments)
    assert len({e["id"] for e in entries}) == len(entries)


def test_the_demos_log_records_are_what_parsing_their_json_makes() -> None:
    rng = random.Random(5)
    for agent in (telemetry.CLAUDE_CODE, telemetry.CODEX):
        session = telemetry.AgentTelemetry.new(agent, rng)
        start = datetime.now(UTC)
        events = telemetry.work(session, rng, start, start + timedelta(minutes=5), 40)
        events.append(telemetry.tool_call(session, rng, start, mcp_tool="start_work"))
        body = telemetry.export(session, events)
        parsed = json_format.ParseDict(body, ExportLogsServiceRequest())
        made = [telemetry.log_record(event) for event in events]
        assert made == list(parsed.resource_logs[0].scope_logs[0].log_records)
