"""Request and response bodies of this family, field for field as spec files 000-002 list them."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

MAX_BATCH = 25


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


class CheckpointOut(BaseModel):
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
    checkpoints: list[CheckpointOut]
    session_history: list[HistoryEntry]


class ProjectAgentActivity(AgentActivity):
    project_id: uuid.UUID


class ProjectListed(BaseModel):
    id: uuid.UUID
    name: str
    workspace_id: uuid.UUID
    workspace_name: str | None = Field(
        description="Null when the caller has a role on the project but not on its workspace."
    )
    org_id: uuid.UUID


class ProjectList(BaseModel):
    """GET /api/projects: the projects the token can see, sorted by name."""

    projects: list[ProjectListed]


class BatchRequest(BaseModel):
    """File 000's body: 1 to 25 project ids."""

    project_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_BATCH)


class BatchResponse(BaseModel):
    results: list[ProjectAgentActivity]


class AgentSessionOut(BaseModel):
    session_id: str
    machine_id: str
    user_id: str
    project_id: uuid.UUID | None
    caller_role: str | None
    caller_origin: str | None
    connected_at: datetime | None
    last_activity_at: datetime


class AgentSessions(BaseModel):
    sessions: list[AgentSessionOut]


class TicketOut(BaseModel):
    id: uuid.UUID
    number: int
    title: str
    description: str
    column: str
    position: int
    project_id: uuid.UUID
    created_at: datetime
    updated_at: datetime


class TicketList(BaseModel):
    columns: list[str]
    tickets: list[TicketOut]


class TicketCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=500)
    column: str | None = None
    description: str = Field("", max_length=20_000)


class TicketUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    column: str | None = None
    title: str | None = Field(None, min_length=1, max_length=500)
    description: str | None = Field(None, max_length=20_000)
