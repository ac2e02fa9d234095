"""`agent-activity export` writes the feed's records to NDJSON, CSV and Parquet files."""

from __future__ import annotations

import asyncio
import csv
import json
from datetime import timedelta
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from agent_activity.cli import app as cli_app
from tests.api.activity.helpers import activity, ingest, walk
from tests.conftest import FakeClock
from tests.factories import Tenant

runner = CliRunner()


async def run_cli(database_url: str, *args: str) -> str:
    env = {"AGENT_ACTIVITY_DATABASE_URL": database_url}
    result = await asyncio.to_thread(runner.invoke, cli_app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
async def feed(
    client: httpx.AsyncClient, tenant: Tenant, clock: FakeClock
) -> list[dict[str, object]]:
    made = [
        activity(
            clock() - timedelta(seconds=30 * i),
            action=("read", "write")[i % 2],
            duration_ms=i / 4,
            metadata={"i": i},
        )
        for i in range(2500)  # more than one chunk
    ]
    await ingest(client, tenant, made)
    return await walk(client, f"/v1/orgs/{tenant.org_id}/activity", tenant.headers, limit=200)


async def test_export_writes_each_format(
    database_url: str, tenant: Tenant, feed: list[dict[str, object]], tmp_path: Path
) -> None:
    org = str(tenant.org_id)
    output = await run_cli(database_url, "export", str(tmp_path / "a.ndjson"), "--org", org)
    assert "2500 records written" in output
    lines = (tmp_path / "a.ndjson").read_text().splitlines()
    assert [json.loads(line) for line in lines] == feed

    await run_cli(database_url, "export", str(tmp_path / "a.csv"), "--org", org)
    with (tmp_path / "a.csv").open() as handle:
        assert [row["id"] for row in csv.DictReader(handle)] == [a["id"] for a in feed]

    await run_cli(database_url, "export", str(tmp_path / "a.parquet"), "--org", org)
    table = pq.read_table(tmp_path / "a.parquet").to_pylist()
    assert [row["id"] for row in table] == [a["id"] for a in feed]
    assert [json.loads(row["metadata"]) for row in table] == [a["metadata"] for a in feed]
    assert [row["duration_ms"] for row in table] == [a["duration_ms"] for a in feed]
    first = table[0]["timestamp"].isoformat(timespec="microseconds")
    assert first == feed[0]["timestamp"]


async def test_export_filters_like_the_feed(
    client: httpx.AsyncClient,
    database_url: str,
    tenant: Tenant,
    feed: list[dict[str, object]],
    tmp_path: Path,
) -> None:
    ws = f"/v1/orgs/{tenant.org_id}/workspaces/{tenant.workspace_id}/activity/search"
    searched = await walk(client, ws, tenant.headers, limit=200, action="write")
    out = tmp_path / "w.jsonl"
    args = ["export", str(out), "--org", str(tenant.org_id), "--action", "write"]
    await run_cli(database_url, *args, "--workspace", str(tenant.workspace_id))
    assert [json.loads(line) for line in out.read_text().splitlines()] == searched


def test_an_unknown_format_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(cli_app, ["export", str(tmp_path / "a.xml"), "--org", str(tmp_path)])
    assert result.exit_code == 2
