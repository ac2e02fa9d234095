"""State the service keeps for itself and shares between its processes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from agent_activity.db.base import Base, UTCDateTime


class ServiceSecret(Base):
    """Keys generated once and shared by every process (cookie and cursor signing)."""

    __tablename__ = "service_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class RateLimitCounter(Base):
    """Requests per key in one fixed window; the database fallback when Redis is not set."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class JobLease(Base):
    """Which process runs a background job now: one row per job, taken by a conditional update,
    so that of many server processes only one runs a pass at a time."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
