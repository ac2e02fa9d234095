"""Agent presence (spec files 000-002): sessions, work intervals and progress checkpoints.

Presence lives here, in the database, so every server process sees the same sessions.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from agent_activity.db.base import Base, UTCDateTime, new_id, utcnow


class AgentSession(Base):
    """One connected agent client on one project."""

    __tablename__ = "agent_sessions"
    __table_args__ = (
        Index("ix_agent_sessions_project_id_last_activity_at", "project_id", "last_activity_at"),
        Index("ix_agent_sessions_ended_at_last_activity_at", "ended_at", "last_activity_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # The spec's session_id: the legacy Mcp-Session-Id, or one derived for a sessionless client.
    session_key: Mapped[str] = mapped_column(String(128), unique=True)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE")
    )
    token_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="SET NULL")
    )
    user_id: Mapped[str] = mapped_column(String(64))
    machine_id: Mapped[str] = mapped_column(String(128))
    caller_role: Mapped[str | None] = mapped_column(String(64))
    caller_origin: Mapped[str | None] = mapped_column(String(64))
    client_name: Mapped[str | None] = mapped_column(String(128))
    client_version: Mapped[str | None] = mapped_column(String(64))
    protocol: Mapped[str] = mapped_column(String(16), default="sessionless")  # or legacy
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WorkInterval(Base):
    """A start_work ... stop_work span; open while ended_at is null."""

    __tablename__ = "work_intervals"
    __table_args__ = (
        Index("ix_work_intervals_project_id_ended_at", "project_id", "ended_at"),
        Index("ix_work_intervals_session_id_ended_at", "session_id", "ended_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("agent_sessions.id", ondelete="CASCADE")
    )
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL")
    )
    agent_role: Mapped[str | None] = mapped_column(String(64))
    origin: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_seconds: Mapped[int | None] = mapped_column(Integer)


class Checkpoint(Base):
    """A progress report (report_progress) on a ticket."""

    __tablename__ = "checkpoints"
    __table_args__ = (Index("ix_checkpoints_project_id_created_at", "project_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("agent_sessions.id", ondelete="SET NULL")
    )
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    agent_role: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(64))
    progress_pct: Mapped[float] = mapped_column(Float)
    details: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
