"""Fixtures of the dashboard tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from agent_activity.db.models import ApiToken
from agent_activity.domain.tenancy.principal import READ
from agent_activity.domain.tenancy.tokens import hash_token
from agent_activity.runtime import Runtime
from tests.factories import Tenant, make_token
from tests.web.helpers import serve, sign_in


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


@pytest.fixture
async def base_url(app: FastAPI) -> AsyncIterator[str]:
    """The dashboard's app served on a free loopback port."""
    async with serve(app) as url:
        yield url


@pytest.fixture
async def browser(base_url: str, tenant: Tenant) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client signed in to the served dashboard, with no read timeout for streams."""
    async with httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(10, read=None)) as http:
        await sign_in(http, tenant.token)
        yield http
