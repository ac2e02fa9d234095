"""Response shapes of this family: ``{status, status_code, data}`` around JSON:API-like resources.

A run is ``{id, type: "agent-runs", attributes}`` exactly as file 003 shows it; an agent is
``{id, type: "agents", attributes}`` with its versions inside. A run carries only the
attributes asked for (``fields[agent-runs]``): its ``RunAttributes`` set just those, and the
routes serialise with ``response_model_exclude_unset``, so every other field here is required.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Generic, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from agent_activity.db.models import Agent, AgentRun, AgentVersion
from agent_activity.domain.runs.agents import AgentDetail
from agent_activity.domain.runs.listing import RunGroup, RunPage

Data = TypeVar("Data")


class Envelope(BaseModel, Generic[Data]):
    status: Literal["success"]
    status_code: int
    data: Data

    @classmethod
    def of(cls, data: Data, status_code: int = 200) -> Self:
        return cls(status="success", status_code=status_code, data=data)


def utc(value: datetime | None) -> datetime | None:
    """UTC, which serialises with a Z as file 003 writes it; microseconds kept when present, so
    a value read back can be used as an exact filter bound."""
    return None if value is None else value.astimezone(UTC)


class RunAttributes(BaseModel):
    """File 003's attributes in its order, then the two only returned when asked for."""

    agent_uid: uuid.UUID | None = None
    agent_version_uid: uuid.UUID | None = None
    scratchpad_uid: uuid.UUID | None = None
    workflow_id: str | None = None
    approach: str | None = None
    status: str | None = None
    sandbox: bool | None = None
    trigger_type: str | None = None
    started_on: datetime | None = None
    completed_on: datetime | None = None
    created_on: datetime | None = None
    error: str | None = None
    token_usage: dict[str, int] | None = None


class RunResource(BaseModel):
    id: uuid.UUID
    type: Literal["agent-runs"]
    attributes: RunAttributes


def _token_usage(run: AgentRun) -> dict[str, int]:
    return {**(run.token_usage or {}), "total": run.total_tokens}


RUN_ATTRIBUTE_READERS: dict[str, Callable[[AgentRun], Any]] = {
    "agent_uid": lambda run: run.agent_id,
    "agent_version_uid": lambda run: run.agent_version_id,
    "scratchpad_uid": lambda run: run.scratchpad_uid,
    "workflow_id": lambda run: run.workflow_id,
    "approach": lambda run: run.approach,
    "status": lambda run: run.status,
    "sandbox": lambda run: run.sandbox,
    "trigger_type": lambda run: run.trigger_type,
    "started_on": lambda run: utc(run.started_on),
    "completed_on": lambda run: utc(run.completed_on),
    "created_on": lambda run: utc(run.created_on),
    "token_usage": _token_usage,
    "error": lambda run: run.error,
}


def run_resource(run: AgentRun, attributes: Iterable[str]) -> RunResource:
    values = {name: RUN_ATTRIBUTE_READERS[name](run) for name in attributes}
    return RunResource(id=run.id, type="agent-runs", attributes=RunAttributes(**values))


class PageMeta(BaseModel):
    page: int
    per_page: int
    total_pages: int
    total_items: int


class GroupsMeta(PageMeta):
    total_groups: int


class RunList(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    items: list[RunResource]
    meta: PageMeta = Field(alias="_meta")


class RunGroupAttributes(BaseModel):
    """A group's trigger type, then the counts of its own page."""

    trigger_type: str
    page: int
    per_page: int
    total_pages: int
    total_items: int


class RunGroupResource(BaseModel):
    id: str
    type: Literal["agent-run-groups"]
    attributes: RunGroupAttributes
    items: list[RunResource]


class RunGroupList(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    items: list[RunGroupResource]
    meta: GroupsMeta = Field(alias="_meta")


def meta(page: RunPage) -> PageMeta:
    return PageMeta(
        page=page.page,
        per_page=page.per_page,
        total_pages=page.total_pages,
        total_items=page.total_items,
    )


def run_page(page: RunPage, attributes: tuple[str, ...]) -> RunList:
    items = [run_resource(run, attributes) for run in page.items]
    return RunList(items=items, meta=meta(page))


def run_groups(
    groups: list[RunGroup], attributes: tuple[str, ...], page: int, per_page: int
) -> RunGroupList:
    """group_by=trigger: each item is a group holding its own page of runs and its totals."""
    items = [
        RunGroupResource(
            id=group.trigger_type,
            type="agent-run-groups",
            attributes=RunGroupAttributes(
                trigger_type=group.trigger_type,
                page=group.page.page,
                per_page=group.page.per_page,
                total_pages=group.page.total_pages,
                total_items=group.page.total_items,
            ),
            items=[run_resource(run, attributes) for run in group.page.items],
        )
        for group in groups
    ]
    summary = GroupsMeta(
        page=page,
        per_page=per_page,
        total_pages=max((group.page.total_pages for group in groups), default=0),
        total_items=sum(group.page.total_items for group in groups),
        total_groups=len(groups),
    )
    return RunGroupList(items=items, meta=summary)


class VersionResource(BaseModel):
    agent_version_uid: uuid.UUID
    version: int
    config: dict[str, Any]
    created_at: datetime | None


def version_resource(version: AgentVersion) -> VersionResource:
    return VersionResource(
        agent_version_uid=version.id,
        version=version.version,
        config=version.config,
        created_at=utc(version.created_at),
    )


class AgentAttributes(BaseModel):
    agent_uid: uuid.UUID
    name: str
    description: str
    approach: str
    workspace_id: uuid.UUID | None
    created_at: datetime | None
    versions: list[VersionResource] | None = None  # set on one agent, not in the list


class AgentResource(BaseModel):
    id: uuid.UUID
    type: Literal["agents"]
    attributes: AgentAttributes


class ListMeta(BaseModel):
    total_items: int


class AgentList(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    items: list[AgentResource]
    meta: ListMeta = Field(alias="_meta")


def agent_summary(agent: Agent, **versions: list[VersionResource]) -> AgentResource:
    """An agent as the list shows it (its attributes without the versions), or with them."""
    attributes = AgentAttributes(
        agent_uid=agent.id,
        name=agent.name,
        description=agent.description,
        approach=agent.approach,
        workspace_id=agent.workspace_id,
        created_at=utc(agent.created_at),
        **versions,
    )
    return AgentResource(id=agent.id, type="agents", attributes=attributes)


def agent_resource(detail: AgentDetail) -> AgentResource:
    return agent_summary(detail.agent, versions=[version_resource(v) for v in detail.versions])


def agent_list(agents: list[Agent]) -> AgentList:
    items = [agent_summary(a) for a in agents]
    return AgentList(items=items, meta=ListMeta(total_items=len(agents)))
