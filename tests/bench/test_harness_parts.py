"""Parts of the harness: scenarios against a service that lacks their endpoints, the command's
options, percentiles, placeholders and the MCP answer parser."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from bench.__main__ import ROOT, parse
from bench.config import QUICK
from bench.context import Context
from bench.environment import python_loop_seconds, speed_text
from bench.http1 import Response
from bench.mcp_client import McpError, parse_body
from bench.scenarios.feeds import measure_feeds
from bench.scenarios.ingest import measure_ingest
from bench.scenarios.presence import measure_presence
from bench.scenarios.runs import measure_runs
from bench.server import Server
from bench.stats import Latency, percentile
from bench.storage import Database, RawStore, numbered
from bench.world import World


class NotFound(BaseHTTPRequestHandler):
    """A service with no routes at all: every request is a JSON 404."""

    def answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = json.dumps({"detail": "Not Found"}).encode()
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def empty_service() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def world() -> World:
    ids = [str(uuid.uuid4()) for _ in range(6)]
    return World(
        org_id=ids[0],
        token="aa_x",
        mcp_tokens=["aa_y"],
        user_ids=[ids[1]],
        workspace_ids=[ids[2]],
        endpoints=[{"id": ids[3], "app_id": ids[4], "workspace_id": ids[2], "path": "/chat"}],
        augmentations=[{"id": ids[5], "app_id": ids[4], "total_stages": 3}],
        project_ids=[ids[1]],
        agent_ids=[ids[3], ids[4]],
        agent_approaches=["loop", "loop"],
        hot_agent_id=ids[3],
    )


async def test_missing_endpoints_are_reported_not_available(
    empty_service: str, tmp_path: Path
) -> None:
    # The store's methods all raise: nothing may be measured or written without an endpoint.
    store = RawStore("sqlite")
    database = Database("sqlite", "sqlite+aiosqlite:///unused.db", "unused.db")
    ctx = Context("sqlite", QUICK, world(), database, store, datetime.now(UTC), tmp_path)
    ctx.server = Server({}, tmp_path / "log", tmp_path)
    ctx.server.base_url = empty_service
    data = "100 records"
    await measure_feeds(ctx, 100, [])
    await measure_ingest(ctx, data)
    await measure_runs(ctx, data)
    await measure_presence(ctx, data)
    assert len(ctx.rows) == 5 + 1 + 1 + 4
    for row in ctx.rows:
        assert row.result == "n/a", row
        assert row.measured.startswith("not available ("), row
    assert {r.measured for r in ctx.rows[:7]} == {"not available (HTTP 404)"}
    assert [r.target for r in ctx.rows[:5]] == [
        "p99 ≤ 10 ms",
        "p99 ≤ 10 ms",
        "p99 ≤ 50 ms",
        "",
        "p99 ≤ 10 ms",
    ]


def test_command_options() -> None:
    args = parse([])
    assert (args.mode, args.engine, str(args.output)) == ("quick", "both", "-")
    args = parse(["--full"])
    assert args.output == ROOT / "docs/PERFORMANCE.md"
    args = parse(["--full", "--engine", "postgresql", "--output", "-"])
    assert (args.mode, args.engine, str(args.output)) == ("full", "postgresql", "-")
    args = parse(["--output", "/tmp/quick.md"])
    assert (args.mode, str(args.output)) == ("quick", "/tmp/quick.md")
    with pytest.raises(SystemExit):
        parse(["--full", "--quick"])
    with pytest.raises(SystemExit):
        parse(["--engine", "mysql"])


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0
    assert Latency.of([1.0, 2.0, 3.0]) == Latency(2.0, 3.0, 3)
    with pytest.raises(ValueError):
        percentile([], 50)


def test_placeholders_are_numbered_for_postgresql() -> None:
    assert numbered("a = ? AND (b, c) < (?, ?) LIMIT ?") == "a = $1 AND (b, c) < ($2, $3) LIMIT $4"
    assert numbered("SELECT 1") == "SELECT 1"


def test_mcp_answers_are_read_from_json_and_from_sse() -> None:
    answer = {"jsonrpc": "2.0", "id": 3, "result": {"content": []}}
    as_json = {"content-type": "application/json"}
    response = Response(200, as_json, json.dumps(answer).encode())
    assert parse_body(response, 3) == answer
    stream = f"event: message\ndata: {json.dumps({'id': 2})}\n\ndata: {json.dumps(answer)}\n\n"
    sse = Response(200, {"content-type": "text/event-stream"}, stream.encode())
    assert parse_body(sse, 3) == answer
    with pytest.raises(McpError):
        parse_body(Response(502, {}, b"bad gateway"), 3)


def test_the_machine_speed_reading_grows_with_the_loop() -> None:
    short, long = python_loop_seconds(10_000), python_loop_seconds(2_000_000)
    assert 0 < short < long
    assert speed_text(0.234, 10_000) == "0.23 s for an empty 10,000-iteration Python loop"
