"""Fixtures of the dashboard tests."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from agent_activity.db.models import ApiToken
from agent_activity.domain.tenancy.principal import READ
from agent_activity.domain.tenancy.tokens import hash_token
from agent_activity.runtime import Runtime
from tests.factories import Tenant, make_token


@pytest.fixture
async def runtime_token_revoked(runtime: Runtime, tenant: Tenant) -> str:
    """A token of the tenant that has been revoked."""
    secret = await make_token(runtime, tenant, [READ])
    async with runtime.sessionmaker() as session, session.begin():
        token = await session.scalar(
            select(ApiToken).where(ApiToken.token_hash == hash_token(secret))
        )
        assert token is not None
        token.revoked_at = runtime.now()
    return secret
