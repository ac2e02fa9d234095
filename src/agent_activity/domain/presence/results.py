"""What the presence reads answer: the payloads of spec files 000, 001 and 002, field for field.

They are the routes' ``response_model``s too, so each shape is written down once.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class ActiveSession(BaseModel):
    ticket_id: uuid.UUID | None
    ticket_number: int | None
    role: str
    origin: str
    connected_for_s: int
    working_for_s: int | None
    stale: bool = Field(
        description="True when no MCP tool activity on this session within the heartbeat "
        "threshold (stale_after_s, default 60 s)."
    )


class CheckpointView(BaseModel):
    ticket_id: uuid.UUID
    agent_role: str
    status: str
    progress_pct: float
    details: str
    created_at: datetime


class HistoryEntry(BaseModel):
    id: uuid.UUID
    ticket_id: uuid.UUID | None
    duration_seconds: int
    started_at: datetime
    ended_at: datetime
    agent_role: str | None
    origin: str | None


class AgentActivity(BaseModel):
    """File 001: who is connected, recent progress, recent completed work (newest first)."""

    sessions: list[ActiveSession]
    checkpoints: list[CheckpointView]
    session_history: list[HistoryEntry]


class ProjectAgentActivity(BaseModel):
    """One result of file 000's batch: file 001's payload after the project's id."""

    project_id: uuid.UUID
    sessions: list[ActiveSession]
    checkpoints: list[CheckpointView]
    session_history: list[HistoryEntry]

    @classmethod
    def of(cls, project_id: uuid.UUID, activity: AgentActivity) -> ProjectAgentActivity:
        return cls(
            project_id=project_id,
            sessions=activity.sessions,
            checkpoints=activity.checkpoints,
            session_history=activity.session_history,
        )


class AgentSessionView(BaseModel):
    """File 002: one agent session."""

    session_id: str
    machine_id: str
    user_id: str
    project_id: uuid.UUID | None
    caller_role: str | None
    caller_origin: str | None
    connected_at: datetime | None
    last_activity_at: datetime
