"""A burst of unexpected errors does not stall the server: each is logged as a line, its
traceback plain and at most once per error class (the MCP SDK's rich handler, which rendered a
highlighted traceback on the event loop for each, is taken off the root logger)."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import create_async_engine

from tests.faults.served import Served, init_org

FAILING = 100


async def drop_records_table(database_url: str) -> None:
    """Turns every read of the activity feed into an unexpected error."""
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            cascade = "" if database_url.startswith("sqlite") else " CASCADE"
            await connection.exec_driver_sql(f"DROP TABLE activity_records{cascade}")
    finally:
        await engine.dispose()


async def healthz_latencies(http: httpx.AsyncClient, stop: asyncio.Event) -> list[float]:
    latencies = []
    while not stop.is_set():
        started = time.perf_counter()
        assert (await http.get("/healthz")).status_code == 200
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(0.01)
    return latencies


async def test_a_burst_of_errors_does_not_delay_healthz(
    served_database: str, tmp_path: Path
) -> None:
    org = init_org(served_database)
    server = Served(served_database, tmp_path / "server.log").start()
    try:
        await drop_records_table(served_database)
        headers = {"Authorization": f"Bearer {org['token']}"}
        url = f"/v1/orgs/{org['org_id']}/activity"
        limits = httpx.Limits(max_connections=20)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30, limits=limits) as http:
            stop = asyncio.Event()
            probe = asyncio.create_task(healthz_latencies(http, stop))
            semaphore = asyncio.Semaphore(10)

            async def fail_once() -> int:
                async with semaphore:
                    return (await http.get(url, headers=headers)).status_code

            statuses = await asyncio.gather(*(fail_once() for _ in range(FAILING)))
            stop.set()
            latencies = await probe
    finally:
        server.stop()
    assert statuses == [500] * FAILING
    assert len(latencies) >= 5
    # With a traceback rendered on the loop per error, healthz waited seconds behind them.
    assert statistics.median(latencies) < 0.1, latencies
    assert max(latencies) < 1.0, latencies
    log = server.log.read_text()
    assert "RichHandler" not in log
    assert log.count("unhandled error on GET") == FAILING
    assert log.count("Traceback (most recent call last)") < 10, log[-3000:]
