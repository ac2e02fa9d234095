"""Presence load: many MCP clients on many projects, each calling a tool every few seconds.

First every client starts work on a ticket, at a random moment within one interval, as a
thousand agents arriving would (timed and reported on its own: a burst of writes). Then the
steady load, the one the target is set for: each client sends a heartbeat, or every fourth call
a progress report, once per interval, while a poller reads the agent-activity endpoint the
board uses. Last, heartbeats closed-loop from a fixed number of workers find the most tool
calls per second the one server process sustains.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from typing import Any

from bench.http1 import Connection, HTTPError
from bench.loadgen import Recorder, Result, drive, send
from bench.mcp_client import McpClient, McpError

CLIENT_NAMES = ("Claude Code", "Cursor", "Codex")
ROLES = ("implementer", "reviewer", "tester", "planner")
LEGACY_EVERY = 5  # one client in five is a legacy (Mcp-Session-Id) client


async def timed_call(
    client: McpClient, name: str, arguments: dict[str, Any], recorder: Recorder
) -> None:
    started = time.perf_counter()
    try:
        await client.call_tool(name, arguments)
    except (McpError, HTTPError) as error:
        recorder.add(started, "error", f"{type(error).__name__}: {error}")
    else:
        recorder.add(started, 200)


def next_call(index: int, step: int, rng: random.Random) -> tuple[str, dict[str, Any]]:
    ticket = 1 + index % 6
    if step == 0:
        return "start_work", {"ticket": ticket, "role": ROLES[index % len(ROLES)]}
    if step % 4 == 0:
        pct = min(100.0, step * 5.0)
        return "report_progress", {"ticket": ticket, "status": "implementing", "progress_pct": pct}
    return "heartbeat", {}


async def start_all(clients: list[McpClient], interval_s: float, recorder: Recorder) -> float:
    """Each client's start_work, spread over one interval; returns the elapsed seconds."""
    rng = random.Random(7)
    began = time.perf_counter()

    async def start(index: int, client: McpClient) -> None:
        await asyncio.sleep(rng.random() * interval_s)
        name, arguments = next_call(index, 0, rng)
        await timed_call(client, name, arguments, recorder)

    await asyncio.gather(*(start(i, c) for i, c in enumerate(clients)))
    return time.perf_counter() - began


async def steady(
    clients: list[McpClient], interval_s: float, duration_s: float, recorder: Recorder
) -> None:
    rng = random.Random(11)
    began = time.perf_counter()

    async def run_client(index: int, client: McpClient) -> None:
        first = began + rng.random() * interval_s  # spread the clients over one interval
        step = 1  # start_work (step 0) was start_all's
        while True:
            due = first + (step - 1) * interval_s
            if due - began >= duration_s:
                return
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            name, arguments = next_call(index, step, rng)
            await timed_call(client, name, arguments, recorder)
            step += 1

    await asyncio.gather(*(run_client(i, c) for i, c in enumerate(clients)))


async def poll(
    http: Connection,
    headers: dict[str, str],
    project_ids: list[str],
    stop: asyncio.Event,
    recorder: Recorder,
    pause_s: float = 0.05,
) -> None:
    """The board: read one project's agent activity after another while the load runs."""
    boards = [
        http.prepare("GET", f"/api/projects/{project}/agent-activity", headers=headers)
        for project in project_ids
    ]
    index = 0
    while not stop.is_set():
        await send(http, boards[index % len(boards)], recorder)
        index += 1
        await asyncio.sleep(pause_s)


async def mcp_job(job: dict[str, Any]) -> Result:
    count = int(job["clients"])
    projects: list[str] = job["project_ids"]
    tokens: list[str] = job["tokens"]
    async with contextlib.AsyncExitStack() as stack:
        # One keep-alive connection per client, as each agent process has its own.
        http = await stack.enter_async_context(Connection(job["base_url"]))
        clients = [
            McpClient(
                http=await stack.enter_async_context(Connection(job["base_url"])),
                token=tokens[i % len(tokens)],
                project_id=projects[i % len(projects)],
                machine_id=f"bench-host-{i}",
                client_name=CLIENT_NAMES[i % len(CLIENT_NAMES)],
                legacy=i % LEGACY_EVERY == LEGACY_EVERY - 1,
            )
            for i in range(count)
        ]
        gate = asyncio.Semaphore(32)

        async def connect(client: McpClient) -> None:
            async with gate:
                await client.connect()

        await asyncio.gather(*(connect(c) for c in clients))

        start, tool, activity, saturation = Recorder(), Recorder(), Recorder(), Recorder()
        start_s = await start_all(clients, float(job["interval_s"]), start)
        stop = asyncio.Event()
        poller = asyncio.create_task(poll(http, job["headers"], projects, stop, activity))
        started = time.perf_counter()
        await steady(clients, float(job["interval_s"]), float(job["duration_s"]), tool)
        steady_s = time.perf_counter() - started
        stop.set()
        await poller

        async def heartbeat(index: int) -> None:
            await timed_call(clients[index % count], "heartbeat", {}, saturation)

        saturation_s = await drive(
            int(job["saturation_concurrency"]), heartbeat, duration_s=float(job["saturation_s"])
        )
    return {
        "start": start.result(start_s),
        "tool": tool.result(steady_s),
        "activity": activity.result(steady_s),
        "saturation": saturation.result(saturation_s),
    }
