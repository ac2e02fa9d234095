"""MultiRowValues: the one-row INSERT of a BulkStatement widened to many rows (SQLite)."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import sqlite

from agent_activity.db.driver_rows import BulkStatement, MultiRowValues
from agent_activity.ingest.rollups import ROW_KEYS, upsert_statement


@pytest.mark.parametrize("count", [0, 1, 3, 4, 255, 256, 257, 343, 1000])
def test_chunks_add_up_to_the_rows_using_few_sizes(count: int) -> None:
    chunks = MultiRowValues("INSERT INTO t (a, b) VALUES (?, ?)", 2).chunks(count)
    assert sum(chunks) == count
    assert set(chunks) <= set(MultiRowValues.SIZES)
    assert chunks == sorted(chunks, reverse=True)


def test_an_upsert_keeps_its_conflict_clause_after_the_rows() -> None:
    statement = BulkStatement(upsert_statement("sqlite"), sqlite.dialect(), ROW_KEYS)
    assert statement.multirow is not None
    one = statement.multirow.sql(1)
    assert one == statement.sql
    three = statement.multirow.sql(3)
    group = one[one.index(" VALUES ") + len(" VALUES ") : one.index(")", one.index(" VALUES ")) + 1]
    assert three.count(group) == 3
    assert three.endswith(one[one.index(group) + len(group) :])
    assert "ON CONFLICT" in three


def test_a_statement_that_is_not_a_one_row_insert_is_refused() -> None:
    with pytest.raises(ValueError, match="one-row INSERT"):
        MultiRowValues("INSERT INTO t (a, b) SELECT ?, ?", 2)
    with pytest.raises(ValueError, match="one-row INSERT"):
        MultiRowValues("INSERT INTO t (a, b) VALUES (?, ?)", 3)
