"""Fixtures of the activity-log tests: the request log is off unless a test is about it, so the
records a test reads are exactly the ones it wrote."""

from __future__ import annotations

import pytest

from agent_activity.config import Settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, rate_limit_per_minute=0, request_log_enabled=False)
