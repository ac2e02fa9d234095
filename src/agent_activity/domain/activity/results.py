"""What the feeds and summaries of the activity log answer, in file 004's shapes.

The models are the routes' ``response_model``s too, so the shape is written down once. A feed
page is validated from the rows' dicts in pydantic's core, which is quicker than constructing
fifty models field by field in Python.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Activity(BaseModel):
    id: str
    timestamp: str
    trace_id: str | None
    user_id: str | None
    workspace_id: str | None
    app_id: str | None
    principal_type: str | None
    principal_id: str | None
    token_id: str | None
    token_type: str | None
    method: str | None
    path: str | None
    resource_type: str | None
    resource_id: str | None
    action: str | None
    status_code: int | None
    success: bool
    error_code: str | None
    duration_ms: float | None
    execution_id: str | None
    augmentation_id: str | None
    stages_completed: int | None
    total_stages: int | None
    # Additions to file 004's shape: telemetry's ticket and agent session (docs/otlp.md).
    ticket_id: str | None
    agent_session_id: str | None
    token_usage: dict[str, int]
    metadata: dict[str, Any]


class ActivityPage(BaseModel):
    total: int
    has_more: bool
    next_cursor: str | None
    activities: list[Activity]


class ActivitySummary(BaseModel):
    total_requests: int
    successful_requests: int
    failed_requests: int
    avg_duration_ms: float
    total_tokens_used: int
    by_action: dict[str, int]
    by_resource: dict[str, int]
    start_time: str
    end_time: str
