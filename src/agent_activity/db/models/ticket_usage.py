"""What each ticket cost: agent time, intervals, tool calls, model requests, tokens by kind and
cost, per ticket and per ticket x agent session, x person and x model, by hour and all time.

Kept in step with every write (domain/tickets/rollup.py), so the usage API and the board read
a few rows per ticket, never the log. Agent time is in whole microseconds so that adding it up
in any order gives the same total.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agent_activity.db.base import Base, UTCDateTime


class TicketUsage(Base):
    __tablename__ = "ticket_usage"
    __table_args__ = (
        UniqueConstraint(
            "org_id",
            "ticket_id",
            "dimension",
            "dimension_key",
            "span",
            "bucket_start",
            name="uq_ticket_usage_key",
        ),
        # A board's totals: one all-time row per ticket of the project.
        Index("ix_ticket_usage_project", "project_id", "dimension", "span"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column()
    project_id: Mapped[uuid.UUID] = mapped_column()
    ticket_id: Mapped[uuid.UUID] = mapped_column()
    dimension: Mapped[str] = mapped_column(String(8))  # ticket|agent|user|model
    dimension_key: Mapped[str] = mapped_column(String(160))  # '' for the ticket itself
    span: Mapped[str] = mapped_column(String(8))  # hour|all
    bucket_start: Mapped[datetime] = mapped_column(UTCDateTime())
    agent_time_us: Mapped[int] = mapped_column(BigInteger, default=0)
    intervals: Mapped[int] = mapped_column(BigInteger, default=0)
    tool_calls: Mapped[int] = mapped_column(BigInteger, default=0)
    failed_tool_calls: Mapped[int] = mapped_column(BigInteger, default=0)
    model_requests: Mapped[int] = mapped_column(BigInteger, default=0)
    input_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    output_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cache_read_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cache_creation_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
