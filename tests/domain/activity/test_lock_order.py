"""The rollup rows' lock order: every writer, old or new, must upsert in the same order (by the
org's text, then the rest of the key), or concurrent writers on PostgreSQL could deadlock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from agent_activity.domain.activity.rollups import Key, in_lock_order

ORGS = [uuid.UUID(int=n) for n in (1, 10, 2**127 + 5, 2**64, 0xA0 << 100)]

keys = st.tuples(
    # A new UUID object each time: equal orgs need not be the same object.
    st.sampled_from(ORGS).map(lambda org: uuid.UUID(str(org))),
    st.sampled_from(["org", "user", "dash-org"]),
    st.sampled_from(["", "a", "b"]),
    st.sampled_from(["hour", "day", "all"]),
    st.integers(0, 100).map(lambda h: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=h)),
    st.sampled_from(["", "read", "execute"]),
    st.sampled_from(["", "endpoint"]),
)


@given(st.dictionaries(keys, st.just([1.0]), max_size=200))
def test_the_lock_order_is_the_orgs_text_then_the_rest(sums: dict[Key, list[float]]) -> None:
    plain = sorted(sums, key=lambda key: (str(key[0]), *key[1:]))
    assert in_lock_order(sums) == plain
