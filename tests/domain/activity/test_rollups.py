"""The rollups written with every batch equal a GROUP BY over the raw records at every span
(hour, UTC day, all time), also when several writers add to the same rows at once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import ActivityRecord, ActivityRollup
from agent_activity.domain.activity.rollups import endpoint_key
from agent_activity.domain.activity.store import write_activity_records
from agent_activity.domain.tenancy import orgs as tenancy
from agent_activity.runtime import Runtime

R = ActivityRecord
U = ActivityRollup
BASE = datetime(2026, 1, 1, tzinfo=UTC)

records_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "timestamp": st.integers(0, 72 * 3600 * 10**6).map(
                lambda us: BASE + timedelta(microseconds=us)
            ),
            "workspace_id": st.sampled_from([None, "", "w1", "w2"]),
            "user_id": st.sampled_from([None, "u1", "u2"]),
            "app_id": st.sampled_from([None, "a1"]),
            "endpoint_id": st.sampled_from([None, "e1", "e2"]),
            "action": st.sampled_from([None, "", "read", "create"]),
            "resource_type": st.sampled_from([None, "app", "endpoint"]),
            "success": st.booleans(),
            "duration_ms": st.one_of(st.none(), st.floats(0, 1e4, allow_nan=False)),
            "token_usage": st.one_of(
                st.none(), st.dictionaries(st.sampled_from(["in", "out"]), st.integers(0, 10**6))
            ),
        }
    ),
    max_size=60,
)


async def new_org(runtime: Runtime) -> uuid.UUID:
    async with runtime.sessionmaker() as session, session.begin():
        org = await tenancy.create_org(session, "Rollups")
    return org.id


async def raw_scan(
    session: AsyncSession, org_id: uuid.UUID
) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """What the rollups should hold, from the raw records, grouped in Python by hour, by day and
    over all time."""
    rows = await session.execute(
        select(
            R.timestamp, R.workspace_id, R.user_id, R.app_id, R.endpoint_id, R.action,
            R.resource_type, R.success, R.duration_ms, R.total_tokens,
        ).where(R.org_id == org_id)
    )  # fmt: skip
    expected: dict[tuple[Any, ...], list[Any]] = {}
    for ts, ws, user, app, endpoint, action, rtype, success, duration, tokens in rows:
        scopes = [("org", str(org_id))]
        scopes += [("workspace", ws)] if ws else []
        scopes += [("user", user)] if user else []
        scopes += [("app", app)] if app else []
        scopes += [("endpoint", endpoint_key(ws, app, endpoint))] if endpoint else []
        buckets = [
            ("hour", ts.replace(minute=0, second=0, microsecond=0)),
            ("day", ts.replace(hour=0, minute=0, second=0, microsecond=0)),
            ("all", datetime(1970, 1, 1, tzinfo=UTC)),
        ]
        for scope, bucket in ((scope, bucket) for scope in scopes for bucket in buckets):
            key = (*scope, *bucket, action or "", rtype or "")
            sums = expected.setdefault(key, [0, 0, 0.0, 0, 0])
            sums[0] += 1
            sums[1] += int(success)
            sums[2] += duration or 0.0
            sums[3] += duration is not None
            sums[4] += tokens
    return {key: tuple(values) for key, values in expected.items()}


async def rollups(
    session: AsyncSession, org_id: uuid.UUID
) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    rows = await session.execute(
        select(
            U.scope_type, U.scope_id, U.span, U.bucket_start, U.action, U.resource_type,
            U.requests, U.successes, U.duration_sum_ms, U.duration_count, U.tokens,
        ).where(U.org_id == org_id)
    )  # fmt: skip
    return {tuple(row[:6]): tuple(row[6:]) for row in rows}


def same(
    got: dict[tuple[Any, ...], tuple[Any, ...]], want: dict[tuple[Any, ...], tuple[Any, ...]]
) -> None:
    assert got.keys() == want.keys()
    for key, (requests, successes, dsum, dcount, tokens) in want.items():
        g = got[key]
        assert (g[0], g[1], g[3], g[4]) == (requests, successes, dcount, tokens), key
        assert abs(g[2] - dsum) <= 1e-6 * max(1.0, dsum), key


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=st.lists(records_strategy, min_size=1, max_size=3))
async def test_rollups_equal_a_raw_scan(
    runtime: Runtime, batches: list[list[dict[str, Any]]]
) -> None:
    org_id = await new_org(runtime)
    for batch in batches:
        async with runtime.sessionmaker() as session, session.begin():
            await write_activity_records(session, [{**r, "org_id": org_id} for r in batch])
    async with runtime.sessionmaker() as session:
        same(await rollups(session, org_id), await raw_scan(session, org_id))


async def test_concurrent_writers_add_up(runtime: Runtime) -> None:
    org_id = await new_org(runtime)
    moment = BASE + timedelta(minutes=5)

    async def writer(index: int) -> None:
        records = [
            {"org_id": org_id, "timestamp": moment + timedelta(seconds=i), "workspace_id": "w1",
             "action": ("read", "create")[i % 2], "duration_ms": 1.0, "token_usage": {"in": 2}}
            for i in range(40)
        ]  # fmt: skip
        for start in range(0, 40, 10):
            async with runtime.sessionmaker() as session, session.begin():
                await write_activity_records(session, records[start : start + 10])

    await asyncio.gather(*(writer(i) for i in range(6)))
    async with runtime.sessionmaker() as session:
        got = await rollups(session, org_id)
        same(got, await raw_scan(session, org_id))
    assert got[("org", str(org_id), "hour", moment.replace(minute=0), "read", "")][0] == 120
    assert got[("org", str(org_id), "all", datetime(1970, 1, 1, tzinfo=UTC), "read", "")][0] == 120
