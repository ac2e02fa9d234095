"""Tamper evidence for the activity log: a chain of batch seals per org.

Every batch of records is sealed in the transaction that writes it. Each record's leaf is the
SHA-256 of its canonical JSON in the feed's shape (what a reader and an export see); the batch's
``records_digest`` hashes its sorted leaves; the seal's ``digest`` hashes the previous seal's
digest, its own position, batch, count and records digest. Changing, adding or removing a
record, or removing or reordering a seal, breaks the chain at that batch (see docs/storage.md
for what this proves and what it does not).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from agent_activity.db.models import ActivitySeal
from agent_activity.domain.activity.query import SHOWN

GENESIS = "0" * 64
# Past 64 bits a JSON number can only have been a float (ingest refuses larger integers), and
# PostgreSQL's jsonb gives such a float back as an integer.
LARGEST_INT = 2**63


def new_batch() -> int:
    """A batch's id: random, so taking one needs no lock; unique enough within an org."""
    return secrets.randbits(63)


def canonical(value: Any) -> Any:
    """``value`` with numbers in the one form both engines give back (-0.0 is 0.0)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value + 0.0
    if isinstance(value, int):
        return float(value) if abs(value) >= LARGEST_INT else value
    if isinstance(value, dict):
        return {key: canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    return value


def leaf_of(activity: dict[str, Any]) -> bytes:
    """The digest of one record in the feed's shape (``activity`` is left as it is)."""
    duration = activity["duration_ms"]
    if duration is None or type(duration) is float:
        return _digest(activity, activity)
    return _digest({**activity, "duration_ms": float(duration)}, activity)


def row_leaf(row: Mapping[str, Any]) -> bytes:
    """``leaf_of(as_activity(page_row(row)))`` of a normalised record, built in one step."""
    activity = dict(zip(SHOWN, _shown_of(row), strict=True))
    activity["id"] = str(row["external_id"] or row["id"])
    activity["timestamp"] = row["timestamp"].isoformat(timespec="microseconds")
    activity["token_usage"] = row["token_usage"] or {}
    activity["metadata"] = row["record_metadata"] or {}
    return leaf_of(activity)


_shown_of = itemgetter(*SHOWN)
# Digits as zeros, so that one search finds any run of 19 digits.
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_NINETEEN_DIGITS = b"0" * 19


def _digest(activity: dict[str, Any], original: dict[str, Any]) -> bytes:
    """The leaf of ``activity`` (``original`` with a float duration). canonical() can only
    change a -0.0 or an integer of at least 2**63 (19 digits or more, or beyond what orjson
    writes), so a body with neither is already the canonical one; a string that merely looks
    like one costs the full copy, never a different leaf."""
    try:
        body: bytes | None = orjson.dumps(activity, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        body = None
    if body is None or b"-0.0" in body or _NINETEEN_DIGITS in body.translate(_DIGITS_AS_ZERO):
        body = _canonical_body(original)
    return hashlib.sha256(body).digest()


def _canonical_body(activity: dict[str, Any]) -> bytes:
    """The leaf's body by its first definition, which every seal was made with."""
    shown = canonical(activity)
    if shown["duration_ms"] is not None:
        shown["duration_ms"] = float(shown["duration_ms"])
    return orjson.dumps(shown, option=orjson.OPT_SORT_KEYS)


def page_row(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """A normalised record (by attribute name) as the feed reads it (query.PAGE_COLUMNS)."""
    return (
        row["id"],
        row["external_id"],
        row["timestamp"],
        *(row[name] for name in SHOWN),
        row["token_usage"],
        row["record_metadata"],
    )


def records_digest(leaves: Iterable[bytes]) -> str:
    return hashlib.sha256(b"".join(sorted(leaves))).hexdigest()


def seal_digest(previous: str, position: int, batch: int, count: int, records: str) -> str:
    body = f"{previous}:{position}:{batch}:{count}:{records}"
    return hashlib.sha256(body.encode()).hexdigest()


async def seal_batch(
    connection: AsyncConnection,
    org_id: uuid.UUID,
    batch: int,
    rows: Sequence[dict[str, Any]],
    now: datetime,
) -> None:
    """Append the seal of ``rows`` (one org's records of ``batch``) to the org's chain."""
    digest = records_digest(row_leaf(row) for row in rows)
    await append_seal(connection, org_id, batch, len(rows), digest, now)


async def append_seal(
    connection: AsyncConnection,
    org_id: uuid.UUID,
    batch: int,
    count: int,
    digest: str,
    now: datetime,
) -> None:
    """Append a seal of ``batch`` holding ``count`` records whose leaves hash to ``digest``; a
    later seal of a batch (retention's) supersedes its earlier ones."""
    if connection.dialect.name == "postgresql":
        # Concurrent batches of one org take the next position one after the other; the lock
        # is held from here to the commit, the last step of a write.
        await connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"activity seal {org_id}"},
        )
    last = (
        await connection.execute(
            select(ActivitySeal.position, ActivitySeal.digest)
            .where(ActivitySeal.org_id == org_id)
            .order_by(ActivitySeal.position.desc())
            .limit(1)
        )
    ).first()
    position, previous = (last[0] + 1, last[1]) if last else (1, GENESIS)
    await connection.execute(
        insert(ActivitySeal),
        {
            "org_id": org_id,
            "position": position,
            "batch": batch,
            "record_count": count,
            "records_digest": digest,
            "previous": previous,
            "digest": seal_digest(previous, position, batch, count, digest),
            "sealed_at": now,
        },
    )
