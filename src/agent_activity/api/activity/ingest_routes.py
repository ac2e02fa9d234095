"""``POST /v1/orgs/{org_id}/activity``: ingest a batch of records from another system."""

from __future__ import annotations

import uuid
from functools import partial

from fastapi import APIRouter, Request
from sqlalchemy.exc import IntegrityError

from agent_activity.api.activity.schemas import IngestBody, IngestResponse
from agent_activity.api.deps import PrincipalDep, RuntimeDep
from agent_activity.domain.activity.ingest import ingest_batch
from agent_activity.domain.errors import Conflict
from agent_activity.request_log.audit import audit_record

router = APIRouter()


@router.post("/orgs/{org_id}/activity", status_code=201, response_model=IngestResponse)
async def ingest_activity(
    org_id: uuid.UUID,
    body: IngestBody,
    request: Request,
    runtime: RuntimeDep,
    principal: PrincipalDep,
) -> IngestResponse:
    """Store up to 1,000 records, all or nothing; ids already stored are skipped. Answers only
    once the batch is committed, so a 201 means the records are durable."""
    request.state.activity = {"resource_type": "activity", "action": "ingest"}
    now = runtime.now()
    records = [item.to_record(now) for item in body.activities]
    # Own session, committed here: the shared session commits only after the handler returns.
    for attempt in range(2):
        async with runtime.sessionmaker() as session:
            try:
                audit = partial(audit_record, request, 201)
                result = await ingest_batch(session, principal, org_id, records, now, audit)
                await session.commit()
                break
            except BaseException as error:
                request.state.activity_recorded = False  # rolled back with the batch
                if not isinstance(error, IntegrityError):
                    raise
                # Another request stored some of these ids first; the retry skips them.
                await session.rollback()
                if attempt:
                    raise Conflict("The batch collided with a concurrent write; retry it") from None
    return IngestResponse(
        accepted=result.accepted, inserted=result.inserted, duplicates=result.duplicates
    )
