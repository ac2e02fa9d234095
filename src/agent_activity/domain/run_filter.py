"""The filters of the run list (spec file 003), as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RunFilter:
    statuses: tuple[str, ...] = ()
    started_on_from: datetime | None = None
    started_on_to: datetime | None = None
    completed_on_from: datetime | None = None
    completed_on_to: datetime | None = None
    created_on_from: datetime | None = None
    created_on_to: datetime | None = None
    has_started: bool | None = None
    has_completed: bool | None = None
