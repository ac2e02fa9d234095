"""Selects built by their callers and run in one session, one after another.

A domain function that reads several selects together (a feed page and its total, the board's
three reads) describes each as a :class:`Read`; :func:`read_many` runs them in order on the
session's connection. Each statement is compiled once per shape by SQLAlchemy's own compiled
cache, and every value is bound at execution.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class Read:
    """One select: how to build it, and the values of its bound parameters."""

    build: Callable[[], Select[*tuple[Any, ...]]]
    values: Mapping[str, Any]


async def read_rows(session: AsyncSession, read: Read) -> list[tuple[Any, ...]]:
    """The rows of one read, read by position (a Row reads as the tuple of its values)."""
    rows = (await session.execute(read.build(), read.values)).all()
    return cast(list[tuple[Any, ...]], rows)


async def read_many(session: AsyncSession, *reads: Read) -> list[list[tuple[Any, ...]]]:
    """The rows of each read, in the order given."""
    return [await read_rows(session, read) for read in reads]
