"""Simulated agents that keep the demo alive, as clients of the running server.

Each agent is an MCP client over HTTP, exactly like Claude Code: it picks a ticket from the
board, starts work, reports progress, moves the ticket along and stops, then does it again.
While it works it exports its telemetry to the OTLP receiver as Claude Code or Codex does (tool
calls and model requests with tokens and cost, demo/telemetry.py), its MCP calls carrying the
ids that join the two, so the receiver attributes the telemetry to the ticket at work. Every
cycle also records one run with model tokens through the agents API. Nothing here writes to
the database: what the board shows is what real agents would have caused.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import httpx
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import Implementation, RequestParamsMeta

from agent_activity.demo import telemetry

logger = logging.getLogger("agent_activity.demo")

ROLES = ("developer", "reviewer", "tester")
FLOW = {"backlog": "todo", "todo": "in_progress", "in_progress": "review", "review": "done"}
SESSIONLESS = "2026-07-28"
# The ``_meta`` entry of a tools/call that the agent's telemetry repeats (telemetry/joins.py).
CALL_ID_META = {telemetry.CLAUDE_CODE: "claudecode/toolUseId", telemetry.CODEX: "callId"}
EVENTS_PER_STEP = (2, 6)


@dataclass(frozen=True)
class Pace:
    """Seconds between an agent's steps; tests run the same code faster."""

    step_s: float = 8.0
    jitter_s: float = 4.0

    def pause(self, rng: random.Random) -> float:
        return self.step_s + rng.uniform(0, self.jitter_s)


@dataclass
class Agent:
    number: int
    base_url: str
    token: str
    project_id: str
    pace: Pace
    rng: random.Random
    agent_telemetry: telemetry.AgentTelemetry = field(init=False)
    pending: list[dict[str, Any]] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token}",
            "X-Project-Id": self.project_id,
            "X-Machine-Id": f"demo-machine-{self.number}",
        }

    async def run_forever(self) -> None:
        while True:
            try:
                await self.cycle()
            except Exception:  # a restart or a hiccup of the server: try again later
                logger.warning("demo agent %s: cycle failed", self.number, exc_info=True)
                await asyncio.sleep(self.pace.pause(self.rng))

    async def cycle(self) -> None:
        """One ticket from pick-up to stop, over one MCP connection, with its telemetry, plus
        one recorded run."""
        kind = telemetry.CLAUDE_CODE if self.number % 2 else telemetry.CODEX
        self.agent_telemetry = telemetry.AgentTelemetry.new(kind, self.rng)
        async with (
            httpx2.AsyncClient(headers=self.headers, timeout=30) as http,
            Client(
                streamable_http_client(f"{self.base_url}/mcp", http_client=http),
                mode=SESSIONLESS,
                client_info=Implementation(name=f"demo-agent-{self.number}", version="1.0"),
            ) as mcp,
        ):
            ticket = await self.pick_ticket(mcp)
            role = self.rng.choice(ROLES)
            await self.tool(mcp, "start_work", ticket=ticket["number"], role=role)
            column = ticket["column"]
            for pct in (20, 45, 70, 100):
                await self.work_a_while()
                status = "done" if pct == 100 else "in_progress"
                details = f"{role}: step {pct}% of #{ticket['number']}"
                await self.tool(
                    mcp,
                    "report_progress",
                    ticket=ticket["number"],
                    status=status,
                    progress_pct=pct,
                    details=details,
                )
                if pct in (45, 100) and column in FLOW:
                    column = FLOW[column]
                    await self.tool(mcp, "move_ticket", ticket=ticket["number"], column=column)
            await self.work_a_while()
            await self.tool(mcp, "stop_work")
        await self.export_telemetry()  # the closing answer, after the interval: on no ticket
        await self.record_run()
        await asyncio.sleep(self.pace.pause(self.rng))

    async def tool(self, mcp: Client, name: str, **arguments: Any) -> Any:
        """An MCP tool call carrying its call id in ``_meta``, and its telemetry event."""
        call_id = f"toolu_{self.rng.getrandbits(80):020x}"
        meta = {CALL_ID_META[self.agent_telemetry.agent]: call_id}
        result = await call(mcp, name, meta=meta, **arguments)
        self.pending.append(
            telemetry.tool_call(
                self.agent_telemetry, self.rng, datetime.now(UTC), mcp_tool=name, call_id=call_id
            )
        )
        return result

    async def work_a_while(self) -> None:
        """A pause of tool calls and model requests, exported as the agent's exporter would."""
        started = datetime.now(UTC)
        await asyncio.sleep(self.pace.pause(self.rng))
        count = self.rng.randint(*EVENTS_PER_STEP)
        events = telemetry.work(self.agent_telemetry, self.rng, started, datetime.now(UTC), count)
        self.pending.extend(events)
        await self.export_telemetry()

    async def export_telemetry(self) -> None:
        """POST the events made since the last export to the OTLP receiver."""
        events, self.pending = self.pending, []
        if not events:
            return
        headers = {"Authorization": f"Bearer {self.token}", "X-Project-Id": self.project_id}
        body = telemetry.export(self.agent_telemetry, events)
        async with httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=30) as http:
            (await http.post("/otlp/v1/logs", json=body)).raise_for_status()

    async def pick_ticket(self, mcp: Client) -> dict[str, Any]:
        board = await call(mcp, "list_tickets")
        open_tickets = [t for t in board["tickets"] if t["column"] != "done"]
        if open_tickets:
            return dict(self.rng.choice(open_tickets))
        title = f"Follow-up {self.rng.randint(100, 999)} from demo agent {self.number}"
        return dict(await call(mcp, "create_ticket", title=title))

    async def record_run(self) -> None:
        """A model request's worth of tokens, as an agent platform reports it."""
        headers = {"Authorization": f"Bearer {self.token}"}
        async with httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=30) as http:
            agents = (await http.get("/api/agents/")).raise_for_status().json()["data"]["items"]
            if not agents:
                return
            agent_uid = agents[self.number % len(agents)]["id"]
            runs = f"/api/agents/{agent_uid}/runs"
            created = await http.post(runs, json={"trigger_type": "manual", "status": "running"})
            run_id = created.raise_for_status().json()["data"]["id"]
            usage = {
                "input": self.rng.randint(2_000, 40_000),
                "output": self.rng.randint(200, 4_000),
            }
            update = {"status": "completed", "token_usage": usage}
            (await http.patch(f"{runs}/{run_id}", json=update)).raise_for_status()


async def call(
    mcp: Client, tool: str, *, meta: dict[str, Any] | None = None, **arguments: Any
) -> Any:
    params_meta = cast(RequestParamsMeta, meta) if meta else None
    result = await mcp.call_tool(tool, arguments, meta=params_meta)
    if result.is_error:
        raise RuntimeError(f"{tool}: {result.content[0]}")
    return result.structured_content


async def wait_until_ready(base_url: str, timeout_s: float = 120.0) -> None:
    async with httpx.AsyncClient(timeout=2) as http:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while asyncio.get_running_loop().time() < deadline:
            try:
                if (await http.get(f"{base_url}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)
    raise TimeoutError(f"{base_url} did not become ready")


def start_in_background(base_url: str, token: str, project_id: str, agents: int) -> None:
    """Run the simulation on a thread of its own beside the server; it dies with the process."""
    if agents <= 0:
        return
    work = simulate(base_url, token, project_id, agents)
    threading.Thread(target=asyncio.run, args=(work,), name="demo-agents", daemon=True).start()


async def simulate(
    base_url: str, token: str, project_id: str, agents: int, pace: Pace = Pace(), seed: int = 7
) -> None:
    """Run ``agents`` simulated agents against the server at ``base_url`` until cancelled."""
    await wait_until_ready(base_url)
    rng = random.Random(seed)
    crew = [
        Agent(n, base_url, token, project_id, pace, random.Random(rng.random()))
        for n in range(1, agents + 1)
    ]
    async with asyncio.TaskGroup() as tasks:
        for agent in crew:
            tasks.create_task(agent.run_forever())
