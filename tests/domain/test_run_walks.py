"""Which filtered pages of the runs list walk the sort key's index, and which read the
filter's own index first (domain/runs/listing.py): the timestamps move together."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from agent_activity.domain.runs.filters import RunFilter
from agent_activity.domain.runs.listing import (
    RunQuery,
    filters_first,
    spread_evenly,
    walk_meets_matches_first,
    walk_reads_fewer,
)

DAY = datetime(2026, 12, 1, 12, tzinfo=UTC)


def query(sort: str, **where: object) -> RunQuery:
    return RunQuery(
        filter=RunFilter(**where),  # type: ignore[arg-type]
        sort_field=sort.lstrip("+-"),
        descending=sort.startswith("-"),
    )


@pytest.mark.parametrize(
    ("sort", "where", "walks"),
    [
        # Oldest first meets an upper bound at once; newest first, a lower bound.
        ("+created_on", {"started_on_to": DAY}, True),
        ("+completed_on", {"started_on_to": DAY}, True),
        ("-created_on", {"completed_on_from": DAY}, True),
        ("-started_on", {"completed_on_from": DAY}, True),
        # Newest created first: the upper bound on a later time bounds created_on too.
        ("-created_on", {"started_on_to": DAY}, True),
        ("-created_on", {"completed_on_to": DAY}, True),
        # Completed since a day, oldest created first: the walk would pass every older run.
        ("+created_on", {"completed_on_from": DAY}, False),
        ("-completed_on", {"started_on_to": DAY}, False),
        ("-started_on", {"created_on_to": DAY}, False),
        ("+created_on", {"started_on_from": DAY, "started_on_to": DAY}, False),
        # Not a time: statuses and has_* tests keep the count's choice.
        ("+created_on", {"statuses": ("failed",)}, False),
        ("-created_on", {"has_started": False}, False),
    ],
)
def test_a_walk_is_chosen_where_the_matches_come_first(
    sort: str, where: dict[str, object], walks: bool
) -> None:
    assert walk_meets_matches_first(query(sort, **where)) is walks
    # Few matches: read them first unless the walk meets them at once. Many: always walk.
    assert filters_first(query(sort, **where), total=100) is not walks
    assert filters_first(query(sort, **where), total=1_000_000) is False


def test_a_filter_on_the_sort_key_itself_is_a_walk() -> None:
    assert filters_first(query("-started_on", started_on_from=DAY), total=100) is False


@pytest.mark.parametrize(
    ("where", "spread"),
    [
        ({"statuses": ("failed", "cancelled")}, True),
        ({"statuses": ("completed",)}, True),
        # The newest runs: bunched at one end of every time order.
        ({"statuses": ("pending",)}, False),
        ({"statuses": ("failed", "running")}, False),
        ({"statuses": ("failed",), "created_on_from": DAY}, False),
        ({"has_completed": True}, False),
    ],
)
def test_final_statuses_alone_are_spread_evenly(where: dict[str, object], spread: bool) -> None:
    assert spread_evenly(RunFilter(**where)) is spread  # type: ignore[arg-type]


def test_a_walk_through_spread_matches_is_chosen_while_it_reads_fewer_entries() -> None:
    # 11,000 failed of 100,000 runs: a page of 10 passes about 90 entries, not 11,000.
    first = RunQuery(filter=RunFilter(statuses=("failed",)), page=1, per_page=10)
    assert walk_reads_fewer(first, total=11_000, runs=100_000)
    # 500 of them: the walk would pass 2,000 entries per page of 10.
    assert not walk_reads_fewer(first, total=500, runs=100_000)
    # Deep pages walk further: page 200 ends 2,000 matches in, 18,000 entries.
    assert not walk_reads_fewer(replace(first, page=200), total=11_000, runs=100_000)
