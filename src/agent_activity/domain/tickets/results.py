"""What a ticket looks like to its readers (the same over REST and MCP), and its timeline."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from agent_activity.domain.activity.results import Activity


class TicketView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: int
    title: str
    description: str
    column: str
    position: int
    project_id: uuid.UUID
    created_at: datetime
    updated_at: datetime


class TimelineAgent(BaseModel):
    name: str
    client_name: str | None
    role: str | None
    origin: str | None


class TimelinePerson(BaseModel):
    id: str | None
    name: str | None


class IntervalEntry(BaseModel):
    kind: Literal["interval"]
    at: str
    id: uuid.UUID
    session_id: uuid.UUID
    agent: TimelineAgent | None
    user: TimelinePerson
    started_at: str
    ended_at: str | None
    duration_s: int | None


class CheckpointEntry(BaseModel):
    kind: Literal["checkpoint"]
    at: str
    id: uuid.UUID
    session_id: uuid.UUID | None
    agent: TimelineAgent | None
    status: str
    progress_pct: float
    details: str


class ActivityEntry(BaseModel):
    kind: Literal["activity"]
    at: str
    id: uuid.UUID
    record: Activity


TimelineEntry = Annotated[
    IntervalEntry | CheckpointEntry | ActivityEntry, Field(discriminator="kind")
]


class TimelinePage(BaseModel):
    """A page of a ticket's story, oldest first (docs/tickets.md, "Timeline")."""

    data: list[TimelineEntry]
    has_more: bool
    next_cursor: str | None
