"""Tokens: random, stored only as a hash, scoped, expirable, revocable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import ApiToken
from agent_activity.domain.errors import Invalid, Unauthenticated
from agent_activity.domain.tenancy import orgs as tenancy
from agent_activity.domain.tenancy.principal import READ, TOKEN_USAGE, WRITE
from agent_activity.domain.tenancy.principal_cache import PrincipalCache
from agent_activity.domain.tenancy.tokens import (
    authenticate,
    create_token,
    hash_token,
    revoke_token,
)
from tests.conftest import FakeClock


async def test_secret_is_shown_once_and_stored_only_as_a_hash(
    db: AsyncSession, clock: FakeClock
) -> None:
    org = await tenancy.create_org(db, "T")
    user = await tenancy.get_or_create_user(db, "u@t.test", "U")
    issued = await create_token(
        db, org_id=org.id, principal_type="user", principal_id=user.id, name="n", scopes=[READ]
    )
    await db.commit()
    stored = (await db.scalars(select(ApiToken))).one()
    assert issued.secret.startswith("aa_") and len(issued.secret) > 40
    assert stored.token_hash == hash_token(issued.secret)
    assert issued.secret not in {stored.token_hash, stored.prefix, stored.name}
    other = await create_token(
        db, org_id=org.id, principal_type="user", principal_id=user.id, name="n", scopes=[READ]
    )
    assert other.secret != issued.secret


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (None, "Authentication required"),
        ("", "Authentication required"),
        ("not-a-token", "Malformed"),
        ("aa_unknown", "Unknown"),
    ],
)
async def test_bad_secrets_are_refused(
    db: AsyncSession, clock: FakeClock, raw: str | None, reason: str
) -> None:
    with pytest.raises(Unauthenticated, match=reason):
        await authenticate(db, raw, clock())


async def test_expired_and_revoked_tokens_are_refused(db: AsyncSession, clock: FakeClock) -> None:
    org = await tenancy.create_org(db, "T")
    user = await tenancy.get_or_create_user(db, "u@t.test", "U")
    issued = await create_token(
        db,
        org_id=org.id,
        principal_type="user",
        principal_id=user.id,
        name="n",
        scopes=[READ],
        expires_at=clock() + timedelta(hours=1),
    )
    await tenancy.grant_role(
        db, user, org_id=org.id, scope_type="org", scope_id=org.id, role="viewer"
    )
    assert (await authenticate(db, issued.secret, clock())).principal_id == user.id
    clock.advance(3601)
    with pytest.raises(Unauthenticated, match="expired"):
        await authenticate(db, issued.secret, clock())
    other = await create_token(
        db, org_id=org.id, principal_type="user", principal_id=user.id, name="n", scopes=[READ]
    )
    await revoke_token(db, other.token.id, clock())
    with pytest.raises(Unauthenticated, match="revoked"):
        await authenticate(db, other.secret, clock())


async def test_a_user_token_is_cut_down_to_what_the_role_allows(
    db: AsyncSession, clock: FakeClock
) -> None:
    org = await tenancy.create_org(db, "T")
    user = await tenancy.get_or_create_user(db, "v@t.test", "V")
    await tenancy.grant_role(
        db, user, org_id=org.id, scope_type="org", scope_id=org.id, role="viewer"
    )
    issued = await create_token(
        db,
        org_id=org.id,
        principal_type="user",
        principal_id=user.id,
        name="n",
        scopes=[READ, WRITE, TOKEN_USAGE],
    )
    principal = await authenticate(db, issued.secret, clock())
    assert principal.scopes == {READ}
    assert not principal.has_scope(WRITE)


async def test_agent_tokens_keep_their_scopes(db: AsyncSession, clock: FakeClock) -> None:
    org = await tenancy.create_org(db, "T")
    issued = await create_token(
        db,
        org_id=org.id,
        principal_type="agent",
        principal_id=org.id,
        name="bot",
        scopes=[READ, WRITE],
    )
    principal = await authenticate(db, issued.secret, clock())
    assert principal.principal_type == "agent" and principal.scopes == {READ, WRITE}


async def test_unknown_scopes_and_principal_types_are_invalid(db: AsyncSession) -> None:
    org = await tenancy.create_org(db, "T")
    with pytest.raises(Invalid, match="unknown scopes"):
        await create_token(
            db, org_id=org.id, principal_type="user", principal_id=org.id, name="n", scopes=["root"]
        )
    with pytest.raises(Invalid, match="principal_type"):
        await create_token(
            db, org_id=org.id, principal_type="robot", principal_id=org.id, name="n", scopes=[READ]
        )


async def test_a_cached_token_is_answered_from_memory_until_its_time_is_up(
    db: AsyncSession, clock: FakeClock
) -> None:
    org = await tenancy.create_org(db, "T")
    user = await tenancy.get_or_create_user(db, "u@t.test", "U")
    await tenancy.grant_role(
        db, user, org_id=org.id, scope_type="org", scope_id=org.id, role="viewer"
    )
    issued = await create_token(
        db,
        org_id=org.id,
        principal_type="user",
        principal_id=user.id,
        name="n",
        scopes=[READ],
        expires_at=clock() + timedelta(seconds=8),
    )
    cache = PrincipalCache(5, clock)
    first = await authenticate(db, issued.secret, clock(), cache)
    await revoke_token(db, issued.token.id, clock())
    # Revoked in the database, still remembered: the documented price of the cache.
    clock.advance(4.9)
    assert await authenticate(db, issued.secret, clock(), cache) == first
    clock.advance(0.2)
    with pytest.raises(Unauthenticated, match="revoked"):
        await authenticate(db, issued.secret, clock(), cache)
    # Failures are never remembered, and off means off.
    with pytest.raises(Unauthenticated, match="revoked"):
        await authenticate(db, issued.secret, clock(), PrincipalCache(0, clock))


async def test_the_cache_never_outlives_the_tokens_expiry(
    db: AsyncSession, clock: FakeClock
) -> None:
    org = await tenancy.create_org(db, "T")
    issued = await create_token(
        db,
        org_id=org.id,
        principal_type="agent",
        principal_id=org.id,
        name="n",
        scopes=[READ],
        expires_at=clock() + timedelta(seconds=3),
    )
    cache = PrincipalCache(60, clock)
    await authenticate(db, issued.secret, clock(), cache)
    clock.advance(2.9)
    assert cache.get(hash_token(issued.secret)) is not None
    clock.advance(0.2)
    assert cache.get(hash_token(issued.secret)) is None
    with pytest.raises(Unauthenticated, match="expired"):
        await authenticate(db, issued.secret, clock(), cache)
