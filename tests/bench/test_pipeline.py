"""The whole benchmark at a tiny size on SQLite: a real server process, the load generator, the
raw limits, every scenario, the table and the report file. Checks shape and sanity, not speed."""

from __future__ import annotations

import io
import re
from pathlib import Path

from bench.config import TINY
from bench.report import MISS, PASS, Report, Row
from bench.runner import run
from bench.scenarios.write_costs import index_specs
from rich.console import Console

POSTGRES_UNUSED = "postgresql://postgres@127.0.0.1:5432/postgres"
QUERY_SCENARIOS = [
    "feed, first page",
    f"feed, {TINY.deep_pages} pages deep",
    "search, 3 filters",
    "summary, 24 h",
    "summary, 168 h",
]
# The floor, each index alone, every index, with the rollups, with the seals, the service's write
# path and the ingest API's rate.
BREAKDOWN = len(index_specs()) + 6
USAGE_SCENARIOS = ["ticket usage, 1 of a 200-ticket board", "board usage, 200 tickets"]
ONCE = [
    "summary, 168 h: growth",
    "ingest, events/s (batches of 1,000)",
    "export NDJSON",
    "export CSV",
    "OTLP log records/s",
    "OTLP spans/s (exports",
    "OTLP export of 100 records",
    "ticket rollups: ingest with / without, records/s (batches of 500, exports)",
    "ticket rollups: ingest with / without, records/s (batches of 500, spread)",
    "runs list",
    "MCP start_work as",
    "MCP tool call",
    "GET …/agent-activity",
    "most tool calls/s",
    "request log on / off",
    "rate limit on / off",
    "/healthz p99 during bursts",
    "peak memory (RSS)",
]


def find(rows: list[Row], prefix: str, data: str | None = None) -> Row:
    """The one row whose scenario is ``prefix`` or starts with it (and is on ``data``)."""
    found = [
        r
        for r in rows
        if (r.scenario == prefix if data else r.scenario.startswith(prefix))
        and data in (None, r.data)
    ]
    assert len(found) == 1, (prefix, data, [r.scenario for r in rows])
    return found[0]


def check_verdict(row: Row, value: float, limit: float, at_most: bool = True) -> None:
    ok = value <= limit if at_most else value >= limit
    assert row.result == (PASS if ok else MISS), row


async def test_tiny_run_on_sqlite_reports_every_row(tmp_path: Path) -> None:
    output = tmp_path / "PERFORMANCE.md"
    console = Console(file=io.StringIO(), width=200)
    report: Report = await run(
        TINY, ["sqlite"], postgres_url=POSTGRES_UNUSED, output=output, console=console
    )
    rows = report.rows
    assert [r for r in rows if r.result in ("ERROR", "n/a")] == [], report.notes
    assert all(r.engine == "sqlite" for r in rows)
    for records in TINY.record_steps:
        for name in QUERY_SCENARIOS:
            row = find(rows, name, f"{records:,} records")
            m = row.metrics
            assert 0 < m["p50_ms"] <= m["p99_ms"] < 10_000, row
            assert 0 < m["raw_p50_ms"] <= m["raw_p99_ms"] < 10_000, row
            if name.startswith(("feed", "summary, 168")):
                check_verdict(row, m["p99_ms"], 10.0)
        for name in USAGE_SCENARIOS:
            row = find(rows, name, f"{records:,} records")
            assert 0 < row.metrics["p50_ms"] <= row.metrics["p99_ms"] < 10_000, row
            check_verdict(row, row.metrics["p99_ms"], 10.0)
            assert row.reference.startswith("board: ")
    for name in USAGE_SCENARIOS:
        growth_row = find(rows, f"{name}: growth", f"{TINY.record_steps[-1]:,} records")
        check_verdict(growth_row, growth_row.metrics["ratio"], 1.5)
    for name in ONCE:
        find(rows, name)
    steps = len(TINY.record_steps)
    usage_rows = len(USAGE_SCENARIOS) * (2 * steps - 1)  # each size, and growth after the first
    once = len(ONCE) + BREAKDOWN
    assert len(rows) == len(QUERY_SCENARIOS) * steps + once + usage_rows

    growth = find(rows, "summary, 168 h: growth")
    check_verdict(growth, growth.metrics["ratio"], 1.5)
    ingest = find(rows, "ingest").metrics
    assert ingest["events_per_s"] > 0 and ingest["raw_events_per_s"] > 0
    assert abs(ingest["ratio"] - ingest["events_per_s"] / ingest["raw_events_per_s"]) < 1e-9
    check_verdict(find(rows, "ingest"), ingest["ratio"], 0.5, at_most=False)
    for name in ("OTLP log records/s", "OTLP spans/s (exports"):
        otlp = find(rows, name).metrics
        # Every item sent was stored (counted in the database), and the ratio is to ingest's.
        assert otlp["stored"] == otlp["sent"] > 0, otlp
        assert abs(otlp["ratio"] - otlp["items_per_s"] / otlp["ingest_per_s"]) < 1e-9
        assert otlp["raw_per_s"] > 0
    for name in ("export NDJSON", "export CSV"):
        export = find(rows, name).metrics
        # The newest records, and a few the scenarios before wrote within the last hour.
        assert TINY.export_records <= export["records"] < TINY.export_records + 50, export
        assert export["records_per_s"] > 0 and export["rss_peak_mib"] >= export["rss_before_mib"]
    check_verdict(
        find(rows, "export NDJSON"),
        find(rows, "export NDJSON").metrics["records_per_s"],
        50_000,
        at_most=False,
    )
    breakdown = [r for r in rows if r.scenario.startswith("write path breakdown")]
    assert len(breakdown) == BREAKDOWN
    assert breakdown[0].scenario.endswith("floor: primary key + (org_id, timestamp)")
    assert breakdown[0].metrics["ratio"] == 1.0
    assert {r.scenario.split("floor + ")[-1] for r in breakdown[1 : len(index_specs()) + 1]} == {
        spec[0] for spec in index_specs()
    }
    for row in breakdown:
        assert (
            abs(row.metrics["ratio"] - row.metrics["rows_per_s"] / row.metrics["floor_per_s"])
            < 1e-9
        )
    own = find(rows, "OTLP export of 100 records").metrics
    # Medians of each part: decoding and storing are inside the whole, the rest is the own time.
    assert 0 < own["decode_ms"] < own["whole_ms"] and 0 < own["store_ms"] < own["whole_ms"]
    assert 0 < own["own_ms"] < own["whole_ms"]
    assert own["map_cpu_ms"] > 0 and 0 < own["own_cpu_ms"] < own["whole_cpu_ms"]
    check_verdict(find(rows, "OTLP export of 100 records"), own["own_cpu_ms"], 2.0)
    for shape in ("exports", "spread"):
        rollups = find(
            rows, f"ticket rollups: ingest with / without, records/s (batches of 500, {shape})"
        )
        m = rollups.metrics
        assert m["with_per_s"] > 0 and m["without_per_s"] > 0
        check_verdict(rollups, m["ratio"], 0.9, at_most=False)
    runs = find(rows, "runs list")
    assert 0 < runs.metrics["p50_ms"] <= runs.metrics["p99_ms"]
    arrival = find(rows, "MCP start_work as").metrics
    assert 0 < arrival["p50_ms"] <= arrival["p99_ms"]
    tool = find(rows, "MCP tool call").metrics
    assert tool["calls_per_s"] > 0 and 0 < tool["p50_ms"] <= tool["p99_ms"]
    board = find(rows, "GET …/agent-activity").metrics
    # Every simulated client holds a live session (the probe client adds one more).
    assert board["sessions"] >= TINY.mcp_clients
    assert find(rows, "most tool calls/s").metrics["calls_per_s"] > 0
    log = find(rows, "request log").metrics
    assert log["on_per_s"] > 0 and log["off_per_s"] > 0
    limit = find(rows, "rate limit").metrics
    assert limit["on_per_s"] > 0 and limit["off_per_s"] > 0
    assert abs(limit["ratio"] - limit["on_per_s"] / limit["off_per_s"]) < 1e-9
    health = find(rows, "/healthz p99").metrics
    assert health["failed_requests"] == 100 * TINY.health_rounds  # every one a 500
    assert 0 < health["alone_p50_ms"] <= health["alone_p99_ms"]
    assert health["during_samples"] > 0 and health["succeeding_p99_ms"] > 0
    assert abs(health["delay_ms"] - (health["during_p99_ms"] - health["alone_p99_ms"])) < 1e-9
    assert 50 < find(rows, "peak memory").metrics["peak_rss_mib"] < 4096

    text = output.read_text()
    assert text.startswith("# Performance")
    for heading in ("## How it was run", "## Results", "## Targets missed", "## What bounds"):
        assert heading in text
    facts = ("Cores", "Python", "SQLite", "Date", "Commit", "Speed at start", "Speed at the end")
    for key in facts:
        assert f"**{key}**" in text
    table = [line for line in text.splitlines() if line.startswith("| sqlite |")]
    assert len(table) == len(rows)
    misses = [r for r in rows if r.result == MISS]
    assert len(re.findall(r"^- sqlite, ", text, re.MULTILINE)) == len(misses)
    assert "Agent Activity benchmark (tiny mode)" in console.file.getvalue()  # type: ignore[attr-defined]
