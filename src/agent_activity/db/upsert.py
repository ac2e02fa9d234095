"""The one place that picks an engine's ``INSERT ... ON CONFLICT``.

Both engines spell "insert unless the key is there" and "add to the row that is there" alike
through SQLAlchemy's dialect inserts (``on_conflict_do_nothing``, ``on_conflict_do_update``,
``excluded``); only the class differs, chosen here by the dialect's name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite


def insert_for(dialect: str, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An insert into ``table`` (a model or a Table) that can say what a conflict does."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
