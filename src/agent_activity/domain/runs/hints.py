"""Conditions the run lifecycle makes redundant, added to page queries so the planners see them.

Only for a page found by walking the sort key's index: counts come from agent_run_counts
(domain/runs/counts.py), and a filter-first page already reads the filter's own index.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from agent_activity.db.models import RUN_STATUSES, AgentRun
from agent_activity.domain.runs.filters import RunFilter

# What each status says about the timestamps: only pending has never started (cancelled may or
# may not have), only pending and running have not finished. See domain/runs/records.py.
NEVER_STARTED = {"pending"}
MAYBE_STARTED = {"cancelled"}
UNFINISHED = {"pending", "running"}
FINISHED = {"completed", "failed", "cancelled", "stopped"}


def implied_by_lifecycle(where: RunFilter) -> list[ColumnElement[bool]]:
    """Conditions the lifecycle makes redundant, added so PostgreSQL can see them.

    The planner assumes matching rows are spread evenly along the sort index, but runs that
    have not started sit together in the NULL end of ``started_on``'s index (likewise for
    ``completed_on``). "status=pending, sort +started_on" would then scan the whole agent to
    reach them; with ``started_on IS NULL`` added, the index range holds exactly them.
    """
    run = AgentRun
    implied: list[ColumnElement[bool]] = []
    statuses = set(where.statuses)
    if statuses and statuses <= NEVER_STARTED:
        implied.append(run.started_on.is_(None))
    if statuses and not statuses & (NEVER_STARTED | MAYBE_STARTED):
        implied.append(run.started_on.is_not(None))
    if statuses and statuses <= UNFINISHED:
        implied.append(run.completed_on.is_(None))
    if statuses and statuses <= FINISHED:
        implied.append(run.completed_on.is_not(None))
    if where.has_started is not None:
        possible = FINISHED | {"running"} if where.has_started else NEVER_STARTED | MAYBE_STARTED
        implied.append(run.status.in_(sorted(possible)))
    if where.has_completed is not None:
        implied.append(run.status.in_(sorted(FINISHED if where.has_completed else UNFINISHED)))
    # A run is created before it starts and starts before it completes (domain/runs/records.py
    # stamps them so): started or completed by a moment, it was created by then too. Newest created
    # first, the walk then begins at that moment instead of at the agent's newest run.
    later_bounds = [bound for bound in (where.started_on_to, where.completed_on_to) if bound]
    if later_bounds:
        implied.append(run.created_on <= min(later_bounds))
    return implied


def possible_statuses(where: RunFilter) -> set[str]:
    """The statuses a run matching ``where`` can have."""
    possible = set(where.statuses or RUN_STATUSES)
    if where.has_started is not None:
        possible &= FINISHED | {"running"} if where.has_started else NEVER_STARTED | MAYBE_STARTED
    if where.has_completed is not None:
        possible &= FINISHED if where.has_completed else UNFINISHED
    return possible
