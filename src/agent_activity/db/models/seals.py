"""The chain of batch seals of the activity log, one per org (see domain/activity/seals.py)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from agent_activity.db.base import Base, UTCDateTime


class ActivitySeal(Base):
    __tablename__ = "activity_seals"

    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # 1, 2, 3... within the org: a missing position is a removed seal.
    position: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # The value of the batch's records' ``seal_batch``.
    batch: Mapped[int] = mapped_column(BigInteger)
    record_count: Mapped[int] = mapped_column(Integer)
    records_digest: Mapped[str] = mapped_column(String(64))
    previous: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime())
