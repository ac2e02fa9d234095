"""Records/s of the HTTP export (`GET /v1/orgs/{org_id}/activity/export`), NDJSON and CSV, and
the server's memory while it streams.

The export is of the org's newest ``Sizes.export_records`` records (a ``start_time`` found by
counting that many back on the org's time index), read whole by the harness over one
connection, NDJSON and CSV in turn for ``ROUNDS`` rounds. The rate is the lines received over
the time from the request to the last byte. Memory is the server's resident set (``VmRSS``)
just before the first export, its highest while the exports run (sampled every 50 ms) and after
the last: an export held in memory would show as a peak that grows with its size.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime

from bench.context import Context, reason
from bench.report import Row, not_available, verdict
from bench.server import rss_bytes
from bench.stats import fmt_count

SCENARIO = "export {fmt}, records/s ({records:,} newest records)"
TARGET = "≥ 50,000/s"
ROUNDS = 2
SAMPLE_S = 0.05
OLDEST = (
    "SELECT timestamp FROM activity_records WHERE org_id = ? "
    "ORDER BY timestamp DESC, id DESC LIMIT 1 OFFSET ?"
)


async def start_of_newest(ctx: Context, count: int) -> datetime | None:
    """The timestamp of the org's ``count``-th newest record (None if it holds fewer)."""
    rows = await ctx.store.fetch(OLDEST, [uuid.UUID(ctx.world.org_id), count - 1])
    if not rows:
        return None
    value = rows[0][0]
    if isinstance(value, str):  # SQLite's text (db/driver_rows.py: sqlite_timestamp)
        value = datetime.fromisoformat(value).replace(tzinfo=UTC)
    assert isinstance(value, datetime)
    return value


async def export_once(ctx: Context, path: str, params: dict[str, str]) -> tuple[int, float]:
    """(records received, seconds) of one whole export."""
    newlines = 0
    async with ctx.http() as http:
        started = time.perf_counter()
        async with http.stream("GET", path, params=params) as response:
            response.raise_for_status()
            async for chunk in response.aiter_raw():
                newlines += chunk.count(b"\n")
        elapsed = time.perf_counter() - started
    header = 1 if params["format"] == "csv" else 0
    return newlines - header, elapsed


async def sample_peak(pid: int, peak: list[int]) -> None:
    while True:
        peak[0] = max(peak[0], rss_bytes(pid))
        await asyncio.sleep(SAMPLE_S)


async def measure_export(ctx: Context, data: str) -> None:
    assert ctx.server is not None and ctx.server.pid is not None
    records = ctx.sizes.export_records
    path = f"/v1/orgs/{ctx.world.org_id}/activity/export"
    probe = await ctx.probe("GET", path, params={"end_time": "2000-01-01T00:00:00Z"})
    if not probe.is_success:
        for fmt in ("ndjson", "csv"):
            scenario = SCENARIO.format(fmt=fmt, records=records)
            ctx.rows.append(not_available(ctx.engine, data, scenario, reason(probe), TARGET))
        return
    start = await start_of_newest(ctx, records)
    params = {"start_time": start.isoformat()} if start else {}
    pid = ctx.server.pid
    before = rss_bytes(pid)
    peak = [before]
    sampler = asyncio.create_task(sample_peak(pid, peak))
    totals: dict[str, list[float]] = {"ndjson": [0, 0.0], "csv": [0, 0.0]}
    try:
        for _ in range(ROUNDS):
            for fmt, total in totals.items():
                lines, seconds = await export_once(ctx, path, {**params, "format": fmt})
                total[0] += lines
                total[1] += seconds
    finally:
        sampler.cancel()
        await asyncio.gather(sampler, return_exceptions=True)
    after = rss_bytes(pid)
    memory = (
        f"RSS {before / 2**20:,.0f} / peak {peak[0] / 2**20:,.0f} / after {after / 2**20:,.0f} MiB"
    )
    for fmt, (received, taken) in totals.items():
        rate = received / taken
        ok = rate >= 50_000
        ctx.rows.append(
            Row(
                ctx.engine,
                data,
                SCENARIO.format(fmt=fmt.upper(), records=int(received) // ROUNDS),
                f"{fmt_count(rate)}/s",
                memory,
                "",
                TARGET if fmt == "ndjson" else "",
                verdict(ok) if fmt == "ndjson" else "",
                {
                    "records_per_s": rate,
                    "records": received / ROUNDS,
                    "rss_before_mib": before / 2**20,
                    "rss_peak_mib": peak[0] / 2**20,
                    "rss_after_mib": after / 2**20,
                },
            )
        )
