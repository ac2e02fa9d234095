"""Request shapes of this family: bodies, and the query of the run list (spec file 003).

Validation errors become this family's 400 envelope through ``errors.render``; the messages
here are written to be shown to a person as they are.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from agent_activity.api.free_json import JsonObject
from agent_activity.api.utc import to_utc
from agent_activity.db.models import RUN_STATUSES
from agent_activity.domain.runs.filters import RunFilter
from agent_activity.domain.runs.listing import MAX_PAGE, MAX_PER_PAGE, SORT_FIELDS, RunQuery

TriggerType = Literal["email_received", "schedule", "webhook", "manual"]
RunStatus = Literal["pending", "running", "completed", "failed", "cancelled", "stopped"]
Approach = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]
UsageKind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
TokenCount = Annotated[int, Field(ge=0, le=10**12)]

# The attributes file 003 shows, in its order; the list returns these unless told otherwise.
RUN_ATTRIBUTES = (
    "agent_uid",
    "agent_version_uid",
    "scratchpad_uid",
    "workflow_id",
    "approach",
    "status",
    "sandbox",
    "trigger_type",
    "started_on",
    "completed_on",
    "created_on",
)
# Only returned when named in fields[agent-runs]; token_usage also needs its permission.
OPTIONAL_RUN_ATTRIBUTES = ("token_usage", "error")
EXAMPLE_TIME = "2026-03-01T00:00:00Z"


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AgentCreate(Body):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    approach: Approach = "loop"
    workspace_id: uuid.UUID | None = None
    config: JsonObject = Field(default_factory=dict, description="Version 1's configuration.")


class VersionCreate(Body):
    config: JsonObject = Field(default_factory=dict)


class RunCreate(Body):
    trigger_type: TriggerType
    status: Literal["pending", "running"] = "pending"
    workflow_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    approach: Approach | None = None
    agent_version_uid: uuid.UUID | None = None
    scratchpad_uid: uuid.UUID | None = None
    sandbox: bool = False
    metadata: JsonObject = Field(default_factory=dict)


class RunUpdate(Body):
    status: RunStatus | None = None
    token_usage: dict[UsageKind, TokenCount] = Field(
        default_factory=dict, description="Token counts to add, by kind (input, output, ...)."
    )
    error: Annotated[str, StringConstraints(max_length=5000)] | None = None


def parse_time(value: object) -> object:
    """ISO 8601 only (no Unix numbers), and a timezone is required, as file 003 says."""
    if not isinstance(value, str):
        return value
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        hint = " (a '+' in a URL must be sent as %2B)" if " " in value.strip() else ""
        raise PydanticCustomError(
            "datetime_format",
            "must be an ISO 8601 datetime with a timezone, like {example}{hint}",
            {"example": EXAMPLE_TIME, "hint": hint},
        ) from None
    if parsed.tzinfo is None:
        raise PydanticCustomError(
            "timezone_required",
            "must include a timezone, like {example} or 2026-03-01T02:00:00+02:00",
            {"example": EXAMPLE_TIME},
        )
    converted = to_utc(parsed)
    if converted is None:
        raise PydanticCustomError("datetime_range", "is out of range once converted to UTC", {})
    return converted


AwareTime = Annotated[datetime, BeforeValidator(parse_time)]


def parse_list(value: str | None) -> tuple[str, ...]:
    """A comma-separated value; kept as one string in the model, since FastAPI would read a
    sequence-typed field as a repeated parameter instead."""
    return tuple(dict.fromkeys(p.strip() for p in (value or "").split(",") if p.strip()))


def check_statuses(value: str) -> str:
    names = parse_list(value)
    if not names:
        raise PydanticCustomError("empty", "name at least one status")
    unknown = [v for v in names if v not in RUN_STATUSES]
    if unknown:
        raise PydanticCustomError(
            "unknown_status",
            "unknown status {unknown}; use one or more of {allowed}, comma-separated",
            {"unknown": ", ".join(unknown), "allowed": ", ".join(RUN_STATUSES)},
        )
    return value


def check_fields(value: str) -> str:
    allowed = RUN_ATTRIBUTES + OPTIONAL_RUN_ATTRIBUTES
    unknown = [v for v in parse_list(value) if v not in allowed]
    if unknown:
        raise PydanticCustomError(
            "unknown_field",
            "unknown field {unknown}; choose from {allowed}",
            {"unknown": ", ".join(unknown), "allowed": ", ".join(allowed)},
        )
    return value


def check_sort(value: object) -> object:
    # An unencoded '+' arrives as a space, so "+started_on" may read " started_on".
    if not isinstance(value, str):
        return value
    text = value.strip()
    name = text[1:] if text[:1] in "+-" and text else text
    if name not in SORT_FIELDS:
        raise PydanticCustomError(
            "unknown_sort",
            "sort by one of {allowed}, prefixed with + (ascending) or - (descending)",
            {"allowed": ", ".join(SORT_FIELDS)},
        )
    return text


class RunListParams(BaseModel):
    """The query of GET /api/agents/{agent_uid}/activities; unknown parameters are refused."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False)

    status: Annotated[str, AfterValidator(check_statuses)] | None = None
    started_on_from: AwareTime | None = None
    started_on_to: AwareTime | None = None
    completed_on_from: AwareTime | None = None
    completed_on_to: AwareTime | None = None
    created_on_from: AwareTime | None = None
    created_on_to: AwareTime | None = None
    has_started: bool | None = None
    has_completed: bool | None = None
    group_by: Literal["none", "trigger"] = "none"
    sort: Annotated[str, BeforeValidator(check_sort)] = "-started_on"
    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(10, ge=1, le=MAX_PER_PAGE)
    fields: Annotated[str, AfterValidator(check_fields)] | None = Field(
        None, alias="fields[agent-runs]"
    )

    @model_validator(mode="before")
    @classmethod
    def known_parameters(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = {f.alias or name for name, f in cls.model_fields.items()}
            unknown = sorted(str(key) for key in data if key not in known)
            if unknown:
                raise PydanticCustomError(
                    "unknown_parameter",
                    "unknown query parameter {unknown}; accepted: {known}",
                    {"unknown": ", ".join(unknown), "known": ", ".join(sorted(known))},
                )
        return data

    @model_validator(mode="after")
    def ranges_in_order(self) -> RunListParams:
        for name in ("started_on", "completed_on", "created_on"):
            low, high = getattr(self, f"{name}_from"), getattr(self, f"{name}_to")
            if low is not None and high is not None and low > high:
                raise PydanticCustomError(
                    "range_order", "{name}_from is later than {name}_to", {"name": name}
                )
        return self

    def to_query(self) -> RunQuery:
        where = RunFilter(
            statuses=parse_list(self.status),
            started_on_from=self.started_on_from,
            started_on_to=self.started_on_to,
            completed_on_from=self.completed_on_from,
            completed_on_to=self.completed_on_to,
            created_on_from=self.created_on_from,
            created_on_to=self.created_on_to,
            has_started=self.has_started,
            has_completed=self.has_completed,
        )
        return RunQuery(
            filter=where,
            sort_field=self.sort.lstrip("+-"),
            descending=self.sort.startswith("-"),
            page=self.page,
            per_page=self.per_page,
            with_token_usage="token_usage" in self.attributes(),
        )

    def attributes(self) -> tuple[str, ...]:
        return RUN_ATTRIBUTES if self.fields is None else parse_list(self.fields)
