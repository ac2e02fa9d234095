"""Writing activity records. Every path that stores records (ingest API, request log, demo)
goes through write_activity_records, so rollups can never drift from the raw log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import ActivityRecord


async def write_activity_records(session: AsyncSession, records: list[dict[str, Any]]) -> int:
    """Insert ``records`` (column name -> value); returns how many were written."""
    if not records:
        return 0
    await session.execute(insert(ActivityRecord), records)
    return len(records)
