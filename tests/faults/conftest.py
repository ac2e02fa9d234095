"""Fixtures of the fault suite: an empty database of its own per engine, for real servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import empty_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def served_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database no other test uses, which the server's start migrates."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'served.db'}"
        return
    with empty_postgres_database(request, "aa_test_faults") as url:
        yield url
