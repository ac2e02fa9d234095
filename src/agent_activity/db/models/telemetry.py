"""What OTLP telemetry leaves besides activity records: per-session metric totals and the
join of a telemetry session to the MCP session of the same agent.

Metrics are not one record per data point: each (session, metric, attributes) series is kept
as one running total, whichever temporality the exporter uses.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Float, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agent_activity.db.base import Base, UTCDateTime, new_id, utcnow


class SessionMetricTotal(Base):
    __tablename__ = "session_metric_totals"
    __table_args__ = (
        UniqueConstraint(
            "org_id", "session_key", "metric", "series", name="uq_session_metric_totals_key"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID] = mapped_column()
    # The telemetry session.id ('' when the exporter names none, as Codex's metrics).
    session_key: Mapped[str] = mapped_column(String(128))
    metric: Mapped[str] = mapped_column(String(128))
    # The data point's attributes other than the session's, as sorted key=value pairs.
    series: Mapped[str] = mapped_column(String(512))
    principal_id: Mapped[str | None] = mapped_column(String(64))
    project_id: Mapped[str | None] = mapped_column(String(64))
    ticket_id: Mapped[str | None] = mapped_column(String(64))
    unit: Mapped[str | None] = mapped_column(String(32))
    total: Mapped[float] = mapped_column(Float, default=0.0)
    # A cumulative series' start and last value: its next point adds only the difference.
    series_start_ns: Mapped[int] = mapped_column(BigInteger, default=0)
    series_value: Mapped[float] = mapped_column(Float, default=0.0)
    # The newest point counted: an exporter's retry of a point already counted is skipped.
    last_point_ns: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TelemetryJoin(Base):
    """A telemetry id an MCP tool call carried in ``_meta`` (Claude Code's tool_use_id, Codex's
    callId or threadId), pointing at the MCP session that served it."""

    __tablename__ = "telemetry_joins"
    __table_args__ = (UniqueConstraint("org_id", "join_key", name="uq_telemetry_joins_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID] = mapped_column()
    join_key: Mapped[str] = mapped_column(String(200))
    mcp_session_id: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
