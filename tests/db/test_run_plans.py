"""SQLite plans the runs list without planner statistics (it keeps none unless asked): listing
an agent's unstarted runs by completion reads them from the start index, not by walking the
completion index through every run of the agent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, insert, text

from agent_activity.db.models import AgentRun
from agent_activity.runtime import Runtime
from tests.api.agents.helpers import create_agent
from tests.factories import Tenant

BASE = datetime(2026, 11, 1, tzinfo=UTC)


# perf_contract: the runs list's plan for unstarted runs (its p99 target at 1,000,000 runs).
@pytest.mark.perf_contract
@pytest.mark.parametrize("dialect", ["sqlite"])
async def test_unstarted_runs_by_completion_are_read_from_the_start_index(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    agent_uid = await create_agent(client, tenant)
    agent_id = uuid.UUID(agent_uid)
    rows = [
        {
            "id": uuid.uuid4(),
            "org_id": tenant.org_id,
            "agent_id": agent_id,
            "workflow_id": "wf",
            "approach": "loop",
            "sandbox": False,
            "trigger_type": "schedule",
            "status": "pending" if index % 500 == 0 else "completed",
            "created_on": BASE + timedelta(minutes=index),
            "started_on": None if index % 500 == 0 else BASE + timedelta(minutes=index),
            "completed_on": None if index % 500 == 0 else BASE + timedelta(minutes=index + 1),
        }
        for index in range(12_000)
    ]
    async with runtime.sessionmaker() as session, session.begin():
        await session.execute(insert(AgentRun), rows)

    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM agent_runs" in statement and statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    reader = runtime.engines.reader.sync_engine
    event.listen(reader, "before_cursor_execute", record)
    try:
        response = await client.get(
            f"/api/agents/{agent_uid}/activities",
            params={"has_started": "false", "sort": "completed_on"},
            headers=tenant.headers,
        )
    finally:
        event.remove(reader, "before_cursor_execute", record)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["_meta"]["total_items"] == 24
    assert statements
    plans = []
    async with runtime.engine.connect() as connection:
        for statement, parameters in statements:
            plan = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            plans.append(" ".join(str(tuple(row)[3]) for row in plan))  # its detail
    assert not any("ix_agent_runs_agent_completed" in plan for plan in plans), plans
    assert any("INDEX ix_agent_runs_agent_started (agent_id=? AND" in plan for plan in plans), plans
    async with runtime.engine.connect() as connection:
        found = await connection.scalar(
            text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        )
    assert found == 0  # no statistics: the plan stands on the indexes alone
