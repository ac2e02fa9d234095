"""Request and response bodies of this family, field for field as spec files 000-002 list them;
the presence payloads are the domain's (domain/presence/results.py)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from agent_activity.domain.presence.results import AgentSessionView, ProjectAgentActivity
from agent_activity.domain.tickets.results import TicketView

MAX_BATCH = 25


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


class AgentSessions(BaseModel):
    sessions: list[AgentSessionView]


class TicketList(BaseModel):
    columns: list[str]
    tickets: list[TicketView]


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
