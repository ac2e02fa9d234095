"""Storage tests count every record, so the service's own request log stays out of them."""

from __future__ import annotations

import pytest

from agent_activity.config import Settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, rate_limit_per_minute=0, request_log_enabled=False)
