"""Dependencies shared by every family: the runtime, a database session, the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.domain.activity.store import write_activity_records
from agent_activity.domain.tenancy.principal import Principal
from agent_activity.domain.tenancy.tokens import checked_hash, look_up
from agent_activity.request_log.audit import audit_record, success_status
from agent_activity.runtime import Runtime

# Dependencies are ``async`` even when they never await: FastAPI runs a plain ``def`` dependency
# in its thread pool, a thread hop per request for a dictionary lookup.


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(
    runtime: RuntimeDep, request: Request, response: Response
) -> AsyncIterator[AsyncSession]:
    """One session per request; only this boundary commits, and only on success, with the
    write's audit record in the same transaction (request_log/audit.py)."""
    async with runtime.sessionmaker() as session:
        try:
            yield session
            record = audit_record(request, success_status(request, response.status_code))
            if record is not None:
                await write_activity_records(session, [record])
            await session.commit()
        except BaseException:
            # Nothing was stored: the request log writes the failure's own record.
            request.state.activity_recorded = False
            await session.rollback()
            raise


# Scoped to the endpoint function: FastAPI runs a yield dependency's exit after the response
# is sent unless told otherwise, and a write must be committed before it is acknowledged (a
# client reading its own write at once found nothing).
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_read_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """A session for a handler that only reads: nothing to commit (see
    db.engine.create_read_sessionmaker)."""
    async with runtime.read_sessionmaker() as session:
        yield session


ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]


def bearer_secret(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else ""


async def authenticate_request(runtime: Runtime, request: Request) -> Principal:
    """The caller of ``request`` (REST or MCP), from memory when its token was seen lately.

    A session of its own, closed before the handler runs: on SQLite it is the writer's one
    connection (a token's last use may be written), which the handler's own session needs.
    """
    return await authenticate_secret(runtime, bearer_secret(request))


async def authenticate_secret(runtime: Runtime, secret: str | None) -> Principal:
    """The principal of a bearer secret, however it was sent (see authenticate_request)."""
    token_hash = checked_hash(secret)
    known = runtime.principals.get(token_hash)
    if known is not None:  # most requests: no session at all
        return known
    async with runtime.sessionmaker() as session:
        principal = await look_up(session, token_hash, runtime.now(), runtime.principals)
        if session.dirty:  # last_used_at moved on (at most once a minute); else a pure read
            await session.commit()
    return principal


async def get_principal(request: Request, runtime: RuntimeDep) -> Principal:
    principal = await authenticate_request(runtime, request)
    # Exposed to the request log, which runs outside the dependency system.
    request.state.principal = principal
    await runtime.rate_limiter.hit(f"token:{principal.token_id}", runtime.now())
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
