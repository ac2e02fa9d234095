"""Pinned leaves: the digests of a few records as the first definition of a leaf computed them
(sha256 of orjson, sorted keys, of ``canonical(as_activity(page_row(row)))`` with ``duration_ms``
a float). Seals already in databases were made so; a faster leaf must give the same bytes, or
every existing chain would stop verifying."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select

from agent_activity.db.models import ActivitySeal
from agent_activity.domain.activity.query import as_activity
from agent_activity.domain.activity.seals import leaf_of, page_row, records_digest, row_leaf
from agent_activity.domain.activity.store import normalise, write_activity_records
from agent_activity.domain.activity.verify import verify_org
from agent_activity.runtime import Runtime
from tests.factories import Tenant

ORG = uuid.UUID("0193a1b2-0000-7000-8000-000000000001")
AT = datetime(2026, 11, 30, 12, 34, 56, 789012, tzinfo=UTC)


def record_id(n: int) -> uuid.UUID:
    return uuid.UUID(f"0193a1b2-0000-7000-8000-0000000000a{n}")


RECORDS: list[dict[str, Any]] = [
    {
        "id": record_id(1),
        "timestamp": AT,
        "action": "read",
        "resource_type": "endpoint",
        "status_code": 200,
        "duration_ms": 12,  # an integer duration: a float in the leaf
        "token_usage": {"input_tokens": 3, "output_tokens": 4},
        "record_metadata": {"source": "test"},
    },
    {
        "id": record_id(2),
        "external_id": "client-7",  # the leaf's id is the client's
        "timestamp": datetime(2026, 11, 30, 14, 0, tzinfo=timezone(timedelta(hours=2))),
        "duration_ms": -0.0,
        "record_metadata": {
            "f": -0.0,
            "big": 1e100,
            "huge": 2**63,
            "neg": -(2**63),
            "n": [1, 2.5, None, {"deep": [-0.0, True]}],
            "ok": False,
        },
    },
    {
        "id": record_id(3),
        "timestamp": AT,
        "path": "/v1/a\x00b",
        "method": "GET",
        "user_id": "",
        "workspace_id": "w\x00",
        "error_code": "bad\x00",
        "success": False,
        "status_code": 400,
        "duration_ms": 1.25,
        "record_metadata": {"k\x00ey": ["v\x00", {"x": "\x00"}]},
    },
    {
        "id": record_id(4),
        "timestamp": AT.replace(microsecond=0),
        "trace_id": "t" * 32,
        "principal_type": "token",
        "principal_id": "p",
        "token_id": "tk",
        "token_type": "service",
        "resource_id": "r",
        "execution_id": "e",
        "augmentation_id": "a",
        "stages_completed": 2,
        "total_stages": 5,
        "ticket_id": "T-1",
        "agent_session_id": "s-1",
        "app_id": "app",
        "endpoint_id": "ep",
        "duration_ms": 9007199254740993,
        "token_usage": {"input_tokens": 1, "output_tokens": 2},
        "record_metadata": {
            "unicode": "é☃",
            "u64": 2**64 - 1,
            "nested": {"a": {"b": {"c": [1.0, 0.1, 1e-7]}}},
        },
    },
    {"id": record_id(5), "timestamp": AT},
]
PINNED = [
    "d9b5bae2f29784f8b9b8f17b943d26f966a1e1ecfad66e821fdf5c15c89d14c0",
    "f7b469aabd4286967151c2eb31614720f093261c5347f4c65e3b942852051f36",
    "05d280165424a0995018a5d3e8e292eef6963ef78c8fd6a29c6d8d29f0dd8643",
    "e83c40cefb89851c68ea37abdd26a3ae1ba69ddf89c680a58014c4bfcd785012",
    "8b3ab24b12b02c1af3f27c7422c671aad2cf31c328c5644ef6afc0eed365d2e3",
]


def rows(org_id: uuid.UUID) -> list[dict[str, Any]]:
    return [normalise({**record, "org_id": org_id, "received_at": AT}) for record in RECORDS]


@pytest.mark.parametrize(("index", "pinned"), list(enumerate(PINNED)))
def test_a_leaf_keeps_its_pinned_bytes(index: int, pinned: str) -> None:
    row = rows(ORG)[index]
    assert row_leaf(row).hex() == pinned
    assert leaf_of(as_activity(page_row(row))).hex() == pinned


def test_leaf_of_leaves_the_activity_it_is_given_as_it_was() -> None:
    activity = as_activity(page_row(rows(ORG)[0]))
    before = repr(activity)
    leaf_of(activity)
    assert repr(activity) == before


async def test_written_records_are_sealed_with_the_pinned_leaves_and_verify(
    runtime: Runtime, tenant: Tenant
) -> None:
    """Through the write path and back from the database, on both engines."""
    async with runtime.sessionmaker() as session:
        assert await write_activity_records(session, rows(tenant.org_id)) == len(RECORDS)
        await session.commit()
    async with runtime.sessionmaker() as session:
        seal = (
            await session.scalars(select(ActivitySeal).where(ActivitySeal.org_id == tenant.org_id))
        ).one()
        assert seal.records_digest == records_digest(bytes.fromhex(leaf) for leaf in PINNED)
        report = await verify_org(session, tenant.org_id)
    assert report.ok, report.first_bad
    assert (report.seals, report.records) == (1, len(RECORDS))
