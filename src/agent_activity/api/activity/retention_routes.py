"""An org's retention period: read and set by the org's admins (see docs/storage.md)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from agent_activity.api.deps import PrincipalDep, RuntimeDep, SessionDep
from agent_activity.domain.activity.retention import get_retention, set_retention

router = APIRouter()

Days = Annotated[int, Field(ge=1, le=36500)]


class RetentionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    retention_days: Days | None = Field(description="Days of log kept; null: the default.")


class Retention(BaseModel):
    org_id: uuid.UUID
    retention_days: int | None
    default_days: int | None
    effective_days: int | None


@router.get("/orgs/{org_id}/retention", response_model=Retention)
async def read_retention(
    org_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep
) -> Retention:
    """The org's own retention, the service's default, and which applies."""
    found = await get_retention(session, principal, org_id, runtime.settings.retention_days)
    return Retention.model_validate(found, from_attributes=True)


@router.put("/orgs/{org_id}/retention", response_model=Retention)
async def update_retention(
    org_id: uuid.UUID,
    body: RetentionUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
) -> Retention:
    """Set the org's own retention (null: the service's default)."""
    days = body.retention_days
    found = await set_retention(session, principal, org_id, days, runtime.settings.retention_days)
    return Retention.model_validate(found, from_attributes=True)
