"""Shared by the receiver's tests: the captured fixtures and the records an export left."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import ActivityRecord

# Captured from the real CLIs (each folder's README says how); Codex's two largest trace
# bodies are left out, its third holds the same kinds of span.
FIXTURES = Path(__file__).parent / "fixtures"
CLAUDE = FIXTURES / "claude-code-2.1.328"
CODEX = FIXTURES / "codex-0.169.0"
CONTENT_TYPES = {"json": "application/json", "pb": "application/x-protobuf"}


def body_of(path: Path) -> tuple[bytes, dict[str, str]]:
    return path.read_bytes(), {"Content-Type": CONTENT_TYPES[path.suffix.lstrip(".")]}


async def telemetry_records(db: AsyncSession, org_id: uuid.UUID) -> list[ActivityRecord]:
    db.expire_all()
    rows = await db.scalars(
        select(ActivityRecord)
        .where(ActivityRecord.org_id == org_id, ActivityRecord.external_id.like("otlp:%"))
        .order_by(ActivityRecord.timestamp, ActivityRecord.id)
    )
    return list(rows)
