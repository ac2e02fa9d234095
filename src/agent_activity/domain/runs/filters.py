"""The filters of the run list (spec file 003), as plain values, and their SQL conditions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement

from agent_activity.db.models import AgentRun


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


def conditions(agent_id: uuid.UUID, where: RunFilter) -> list[ColumnElement[bool]]:
    run = AgentRun
    found: list[ColumnElement[bool]] = [run.agent_id == agent_id]
    if where.statuses:
        found.append(run.status.in_(where.statuses))
    ranges: list[tuple[Any, datetime | None, datetime | None]] = [
        (run.started_on, where.started_on_from, where.started_on_to),
        (run.completed_on, where.completed_on_from, where.completed_on_to),
        (run.created_on, where.created_on_from, where.created_on_to),
    ]
    for column, low, high in ranges:
        if low is not None:
            found.append(column >= low)
        if high is not None:
            found.append(column <= high)
    if where.has_started is not None:
        started = run.started_on.is_not(None)
        found.append(started if where.has_started else run.started_on.is_(None))
    if where.has_completed is not None:
        done = run.completed_on.is_not(None)
        found.append(done if where.has_completed else run.completed_on.is_(None))
    return found
