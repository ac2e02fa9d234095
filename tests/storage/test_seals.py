"""Every written batch is sealed; verify passes on an untouched log and names the first bad
batch after a record is changed, a batch's records are removed, or a seal is removed."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from agent_activity.cli import app as cli_app
from agent_activity.db.models import ActivityRecord, ActivitySeal
from agent_activity.domain.activity.verify import verify_org
from agent_activity.runtime import Runtime
from tests.api.activity.helpers import activity, ingest
from tests.conftest import FakeClock
from tests.factories import Tenant

R = ActivityRecord


@pytest.fixture
async def batches(client: httpx.AsyncClient, tenant: Tenant, clock: FakeClock) -> None:
    """Four ingested batches of ten records, with floats and JSON that engines may rewrite."""
    for b in range(4):
        await ingest(
            client,
            tenant,
            [
                activity(
                    clock() - timedelta(minutes=b * 10 + i),
                    action="read",
                    duration_ms=(i * 1.5 if i % 3 else i),
                    metadata={"f": -0.0, "big": 1e100, "n": [1, 2.5, None]},
                    workspace_id=None if i % 2 else str(tenant.workspace_id),
                )
                for i in range(10)
            ],
        )


async def seals_of(db: AsyncSession, tenant: Tenant) -> list[ActivitySeal]:
    statement = select(ActivitySeal).where(ActivitySeal.org_id == tenant.org_id)
    return list((await db.scalars(statement.order_by(ActivitySeal.position))).all())


async def test_an_untouched_log_verifies(
    db: AsyncSession, tenant: Tenant, other_tenant: Tenant, batches: None
) -> None:
    seals = await seals_of(db, tenant)
    assert [seal.position for seal in seals] == [1, 2, 3, 4]
    assert [seal.record_count for seal in seals] == [10] * 4
    report = await verify_org(db, tenant.org_id)
    assert report.ok, report.first_bad
    assert (report.seals, report.records, report.unsealed) == (4, 40, 0)
    assert (await verify_org(db, other_tenant.org_id)).seals == 0


async def test_a_changed_record_is_named_by_its_batch(
    db: AsyncSession, tenant: Tenant, batches: None
) -> None:
    third = (await seals_of(db, tenant))[2]
    victim = await db.scalar(select(R.id).where(R.seal_batch == third.batch).limit(1))
    await db.execute(update(R).where(R.id == victim).values(action="delete"))
    await db.commit()
    report = await verify_org(db, tenant.org_id)
    assert report.first_bad is not None
    assert (report.first_bad.position, report.first_bad.batch) == (3, third.batch)
    assert "changed" in report.first_bad.reason


async def test_a_removed_batch_is_named(db: AsyncSession, tenant: Tenant, batches: None) -> None:
    second = (await seals_of(db, tenant))[1]
    await db.execute(delete(R).where(R.seal_batch == second.batch))
    await db.commit()
    report = await verify_org(db, tenant.org_id)
    assert report.first_bad is not None and report.first_bad.position == 2
    assert "holds 0 records" in report.first_bad.reason


async def test_a_removed_seal_breaks_the_chain(
    db: AsyncSession, tenant: Tenant, batches: None
) -> None:
    second = (await seals_of(db, tenant))[1]
    await db.execute(delete(R).where(R.seal_batch == second.batch))
    await db.execute(
        delete(ActivitySeal).where(ActivitySeal.org_id == tenant.org_id, ActivitySeal.position == 2)
    )
    await db.commit()
    report = await verify_org(db, tenant.org_id)
    assert report.first_bad is not None and report.first_bad.position == 2
    assert "missing" in report.first_bad.reason


async def test_the_verify_command_names_the_first_bad_batch(
    db: AsyncSession, runtime: Runtime, database_url: str, tenant: Tenant, batches: None
) -> None:
    runner = CliRunner()
    env = {"AGENT_ACTIVITY_DATABASE_URL": database_url}
    args = ["verify", "--org", str(tenant.org_id)]
    good = await asyncio.to_thread(runner.invoke, cli_app, args, env=env)
    assert good.exit_code == 0, good.output
    assert "ok" in good.output and "4 seals, 40 records" in good.output
    await db.execute(update(R).where(R.org_id == tenant.org_id).values(duration_ms=1.0))
    await db.commit()
    bad = await asyncio.to_thread(runner.invoke, cli_app, args, env=env)
    assert bad.exit_code == 1
    assert "first bad batch at seal 1" in " ".join(bad.output.split())


async def test_an_export_with_its_seals_verifies_offline(
    db: AsyncSession, database_url: str, tenant: Tenant, batches: None, tmp_path: Path
) -> None:
    runner = CliRunner()
    env = {"AGENT_ACTIVITY_DATABASE_URL": database_url}
    out = tmp_path / "all.ndjson"
    args = ["export", str(out), "--org", str(tenant.org_id), "--seals"]
    assert (await asyncio.to_thread(runner.invoke, cli_app, args, env=env)).exit_code == 0
    good = runner.invoke(cli_app, ["verify", "--export", str(out)])
    assert good.exit_code == 0, good.output
    assert "4 seals, 40 records" in " ".join(good.output.split())
    lines = out.read_text().splitlines()
    changed = json.loads(lines[5]) | {"action": "delete"}
    out.write_text("\n".join([*lines[:5], json.dumps(changed), *lines[6:]]) + "\n")
    bad = runner.invoke(cli_app, ["verify", "--export", str(out)])
    assert bad.exit_code == 1
    assert changed["id"] in " ".join(bad.output.split())
