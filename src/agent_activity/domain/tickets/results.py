"""What a ticket looks like to its readers, the same over REST and MCP."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


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
