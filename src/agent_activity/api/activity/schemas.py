"""Request bodies of the activity log (spec file 004) and the ingest answer; the feeds' and
summaries' answers are the domain's (domain/activity/results.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from agent_activity.api.free_json import JsonObject, StoredText
from agent_activity.api.utc import to_utc
from agent_activity.domain.activity.ingest import MAX_BATCH

Short = Annotated[StoredText, Field(min_length=1, max_length=16)]
Id = Annotated[StoredText, Field(min_length=1, max_length=64)]
LongId = Annotated[StoredText, Field(min_length=1, max_length=128)]
# Counts stop where a 32-bit integer does, far past any real record, so that a number the
# database cannot hold (or a rollup could not sum) is refused with a 422 rather than failing in
# the database; so does the number of token_usage entries.
COUNT_MAX = 2**31 - 1
Count = Annotated[int, Field(ge=0, le=COUNT_MAX)]
TOKEN_USAGE_ENTRIES = 32
DURATION_MAX_MS = 1e12  # about 31 years: summed over any number of records, still finite


def as_utc(value: datetime) -> datetime:
    """Timestamps without an offset are taken as UTC, like the spec's own examples."""
    converted = to_utc(value)
    if converted is None:
        raise ValueError("is out of range once converted to UTC")
    return converted


UtcTime = Annotated[datetime, AfterValidator(as_utc)]


class ActivityIn(BaseModel):
    """One record to ingest, in file 004's shape; ``id`` is the client's own id."""

    model_config = ConfigDict(extra="forbid")

    id: LongId
    timestamp: UtcTime | None = None
    trace_id: LongId | None = None
    user_id: Id | None = None
    workspace_id: Id | None = None
    app_id: Id | None = None
    # Not in file 004's record shape, but the endpoint feed and summary need it.
    endpoint_id: Id | None = None
    principal_type: Short | None = None
    principal_id: Id | None = None
    token_id: Id | None = None
    token_type: Short | None = None
    method: Short | None = None
    path: Annotated[StoredText, Field(min_length=1, max_length=1000)] | None = None
    resource_type: Id | None = None
    resource_id: LongId | None = None
    action: Id | None = None
    status_code: Annotated[int, Field(ge=100, le=599)] | None = None
    success: bool | None = None
    error_code: Id | None = None
    duration_ms: Annotated[float, Field(ge=0, le=DURATION_MAX_MS, allow_inf_nan=False)] | None = (
        None
    )
    execution_id: LongId | None = None
    augmentation_id: Id | None = None
    stages_completed: Count | None = None
    total_stages: Count | None = None
    token_usage: (
        Annotated[
            dict[Annotated[StoredText, Field(max_length=64)], Count],
            Field(max_length=TOKEN_USAGE_ENTRIES),
        ]
        | None
    ) = None
    metadata: JsonObject | None = None

    def to_record(self, received: datetime) -> dict[str, Any]:
        """ActivityRecord attributes; a record without ``success`` succeeded unless its status
        code says otherwise."""
        values = dict(self.__dict__)  # the fields as validated, without model_dump's copying
        del values["id"], values["metadata"]
        values["external_id"] = self.id
        values["record_metadata"] = self.metadata
        values["timestamp"] = self.timestamp or received
        if self.success is None:
            values["success"] = self.status_code is None or self.status_code < 400
        return values


class IngestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    activities: Annotated[list[ActivityIn], Field(min_length=1, max_length=MAX_BATCH)]


class IngestResponse(BaseModel):
    accepted: int = Field(description="Records in the batch.")
    inserted: int = Field(description="Records stored by this request.")
    duplicates: int = Field(description="Records whose id was already stored (skipped).")
