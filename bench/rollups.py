"""Hourly rollup increments for a batch of activity records, as the service keeps them.

One increment per (scope, hour, action, resource type) for the scopes org, workspace, user, app
and endpoint; an absent action or resource type is stored as '' (see ActivityRollup). The test
of the harness checks that rollups written from these increments equal a scan of the records.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

RollupKey = tuple[uuid.UUID, str, str, datetime, str, str]
# requests, successes, duration_sum_ms, duration_count, tokens
RollupTotals = list[Any]
SCOPES = (
    ("workspace", "workspace_id"),
    ("user", "user_id"),
    ("app", "app_id"),
    ("endpoint", "endpoint_id"),
)


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def rollup_increments(rows: Iterable[dict[str, Any]]) -> dict[RollupKey, RollupTotals]:
    """Sum ``rows`` (activity record attributes) into rollup increments."""
    totals: dict[RollupKey, RollupTotals] = {}
    for row in rows:
        org_id = row["org_id"]
        bucket = hour_of(row["timestamp"])
        action = row.get("action") or ""
        resource_type = row.get("resource_type") or ""
        success = 1 if row.get("success", True) else 0
        duration = row.get("duration_ms")
        tokens = row.get("total_tokens") or 0
        scopes = [("org", str(org_id))]
        scopes.extend((name, row[field]) for name, field in SCOPES if row.get(field))
        for scope_type, scope_id in scopes:
            key = (org_id, scope_type, scope_id, bucket, action, resource_type)
            entry = totals.get(key)
            if entry is None:
                entry = totals[key] = [0, 0, 0.0, 0, 0]
            entry[0] += 1
            entry[1] += success
            if duration is not None:
                entry[2] += duration
                entry[3] += 1
            entry[4] += tokens
    return totals
