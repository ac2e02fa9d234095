"""Which filtered pages of the runs list walk the sort key's index, and which read the
filter's own index first (domain/run_list.py): the timestamps move together."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agent_activity.domain.run_filter import RunFilter
from agent_activity.domain.run_list import RunQuery, filters_first, walk_meets_matches_first

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
