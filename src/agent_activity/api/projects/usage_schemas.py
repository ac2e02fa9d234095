"""What the ticket usage routes answer (docs/tickets.md)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict


class TokensOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    input: int
    output: int
    cache_read: int
    cache_creation: int
    total: int


class UsageCounters(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    agent_time_s: float
    intervals: int
    tool_calls: int
    failed_tool_calls: int
    model_requests: int
    tokens: TokensOut
    cost_usd: float


class UsagePart(UsageCounters):
    key: str
    name: str | None


class TicketTotals(UsageCounters):
    ticket_id: uuid.UUID
    ticket_number: int
    title: str
    column: str


class TicketUsageOut(TicketTotals):
    by_agent: list[UsagePart]
    by_user: list[UsagePart]
    by_model: list[UsagePart]


class BoardUsageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    project_id: uuid.UUID
    sort: str
    tickets: list[TicketTotals]
