"""How big each mode is. Quick runs in minutes; full is what the targets are set at."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Sizes:
    mode: str
    # Activity records in the main org at which the query scenarios are measured, in order:
    # the data set grows from one step to the next, so the 168 h summary can be compared.
    record_steps: tuple[int, ...]
    runs: int  # agent runs in the org
    hot_agent_runs: int  # of which this many belong to the one agent whose list is measured
    ingest_records: int  # sent through the HTTP batch endpoint, and as many by raw inserts
    ingest_batch: int = 1000
    # The export scenario reads this many of the newest records, NDJSON and CSV, twice each.
    export_records: int = 50_000
    # The ingest breakdown writes this many rows into each of its variants (about 17 of them).
    breakdown_records: int = 10_000
    latency_samples: int = 1000  # requests per latency scenario (after a warm-up)
    deep_pages: int = 1000  # the "deep" feed page is this many pages in
    page_limit: int = 50  # the spec's default page size
    mcp_clients: int = 1000
    mcp_projects: int = 50
    mcp_interval_s: float = 10.0  # each simulated client calls a tool this often
    mcp_duration_s: float = 60.0
    saturation_s: float = 10.0  # closed-loop tool calls, for the most calls/s one process takes
    throughput_concurrency: int = 8
    requestlog_window_s: float = 3.0  # one closed-loop window on one of the three servers
    # Rounds of one window per server (log on, off, off again), in a rotating order, to even
    # out the machine's noise: two identical servers read 0.93-1.05 against each other over 12
    # rounds, 0.966-1.014 over 30; against a 0.95 target and a log that costs 1-2%, that spread
    # decided the verdict. A round takes about 11 s: 60 are 11 minutes per engine.
    requestlog_rounds: int = 60
    # Spans sent to this service and to Arize Phoenix (about 150 spans/s here); 0 skips it.
    phoenix_spans: int = 10_000
    # /healthz under errors: rounds of this many quiet probes, then a burst of failing requests.
    health_rounds: int = 20
    health_alone: int = 50


FULL = Sizes(
    mode="full",
    record_steps=(1_000_000, 10_000_000),
    runs=1_000_000,
    hot_agent_runs=100_000,
    ingest_records=200_000,
    export_records=250_000,
    breakdown_records=50_000,
)

# Small enough for minutes on a two-core machine (the report's duration says how many); the
# load shares the cores with the servers starting meanwhile, which bounds it more than its size.
QUICK = Sizes(
    mode="quick",
    record_steps=(50_000,),
    runs=25_000,
    hot_agent_runs=5_000,
    ingest_records=10_000,
    latency_samples=150,
    mcp_clients=100,
    # Half the full mode's offered load (50 calls/s), with a heartbeat after each start_work
    # within the 4 s.
    mcp_interval_s=2.0,
    mcp_duration_s=4.0,
    saturation_s=2.0,
    requestlog_window_s=0.7,
    requestlog_rounds=3,
    phoenix_spans=2_048,
    health_rounds=5,
)

# Only for the test of the harness itself: every code path, seconds in all.
TINY = replace(
    QUICK,
    mode="tiny",
    record_steps=(300, 600),
    runs=300,
    hot_agent_runs=100,
    ingest_records=2_000,
    export_records=300,
    breakdown_records=2_000,
    latency_samples=20,
    deep_pages=3,
    page_limit=20,
    mcp_clients=6,
    mcp_projects=3,
    mcp_interval_s=0.5,
    mcp_duration_s=1.0,
    saturation_s=0.5,
    throughput_concurrency=4,
    requestlog_window_s=0.3,
    requestlog_rounds=2,
    phoenix_spans=0,
    health_rounds=2,
    health_alone=20,
)

MODES = {"full": FULL, "quick": QUICK, "tiny": TINY}
