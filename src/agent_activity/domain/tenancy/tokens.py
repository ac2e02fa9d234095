"""API tokens: issue, authenticate, list, revoke."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Executable, and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import ApiToken, Membership
from agent_activity.domain.errors import Invalid, NotFound, Unauthenticated
from agent_activity.domain.tenancy.principal import ALL_SCOPES, ROLE_SCOPES, Principal
from agent_activity.domain.tenancy.principal_cache import PrincipalCache

TOKEN_PREFIX = "aa_"
PRINCIPAL_TYPES = ("user", "agent", "service")
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


async def create_token(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    principal_type: str,
    principal_id: uuid.UUID,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
) -> IssuedToken:
    if principal_type not in PRINCIPAL_TYPES:
        raise Invalid(f"principal_type must be one of {', '.join(PRINCIPAL_TYPES)}")
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown:
        raise Invalid(f"unknown scopes: {', '.join(unknown)}; known: {', '.join(ALL_SCOPES)}")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        org_id=org_id,
        name=name,
        token_hash=hash_token(secret),
        prefix=secret[:10],
        principal_type=principal_type,
        principal_id=principal_id,
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
    )
    session.add(token)
    await session.flush()
    return IssuedToken(token=token, secret=secret)


async def authenticate(
    session: AsyncSession, raw: str | None, now: datetime, cache: PrincipalCache | None = None
) -> Principal:
    """The principal behind a bearer secret, or Unauthenticated with the reason.

    With ``cache``, a token looked up recently is answered from memory and ``session`` is not
    used (see domain/tenancy/principal_cache.py); only successful lookups are remembered.
    """
    token_hash = checked_hash(raw)
    if cache is not None and (known := cache.get(token_hash)) is not None:
        return known
    return await look_up(session, token_hash, now, cache)


def checked_hash(raw: str | None) -> str:
    """The hash a bearer secret is stored under, or Unauthenticated if it is none or malformed."""
    if not raw:
        raise Unauthenticated("Authentication required: send 'Authorization: Bearer <token>'")
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        raise Unauthenticated("Malformed token")
    return hash_token(raw)


async def look_up(
    session: AsyncSession, token_hash: str, now: datetime, cache: PrincipalCache | None = None
) -> Principal:
    """The principal of the token stored under ``token_hash``, read from the database (and
    remembered in ``cache``), or Unauthenticated with the reason."""
    # One round trip: the token and, for a user token, the user's roles in the token's org.
    rows = (await session.execute(_token_with_roles(), {"token_hash": token_hash})).all()
    if not rows:
        raise Unauthenticated("Unknown token")
    token = rows[0][0]
    if token.revoked_at is not None:
        raise Unauthenticated("Token has been revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthenticated("Token has expired")
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
    scopes = frozenset(token.scopes)
    roles: dict[tuple[str, uuid.UUID], str] = {
        (scope_type, scope_id): role
        for _token, scope_type, scope_id, role in rows
        if scope_type is not None
    }
    if token.principal_type == "user":
        allowed: frozenset[str] = frozenset().union(*(ROLE_SCOPES[r] for r in roles.values()))
        scopes = scopes & allowed
    principal = Principal(
        token_id=token.id,
        org_id=token.org_id,
        principal_type=token.principal_type,
        principal_id=token.principal_id,
        scopes=scopes,
        roles=roles,
    )
    if cache is not None:
        cache.put(token_hash, principal, token.expires_at)
    return principal


def _token_with_roles() -> Executable:
    return (
        select(ApiToken, Membership.scope_type, Membership.scope_id, Membership.role)
        .outerjoin(
            Membership,
            and_(
                ApiToken.principal_type == "user",
                Membership.user_id == ApiToken.principal_id,
                Membership.org_id == ApiToken.org_id,
            ),
        )
        .where(ApiToken.token_hash == bindparam("token_hash"))
    )


async def list_tokens(session: AsyncSession, org_id: uuid.UUID | None = None) -> list[ApiToken]:
    query = select(ApiToken).order_by(ApiToken.created_at)
    if org_id is not None:
        query = query.where(ApiToken.org_id == org_id)
    return list(await session.scalars(query))


async def revoke_token(session: AsyncSession, token_id: uuid.UUID, now: datetime) -> ApiToken:
    token = await session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("token", token_id)
    if token.revoked_at is None:
        token.revoked_at = now
    return token
